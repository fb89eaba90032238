package org.staged.models.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.staged.api.AtomicFiles;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;

/**
 * A whole {@link TrainingState} in one safetensors file: parameters under their own names, Adam moments under
 * {@code optimizer.exp_avg.NAME} and {@code optimizer.exp_avg_sq.NAME}, and everything else (config, schedule,
 * counters, the caller's extra JSON such as data position) as JSON in the header's {@code __metadata__}.
 *
 * <p>Files are written to a temporary sibling and renamed, so a crash never leaves a half-written checkpoint.
 * The SHA-256 of the tensor bytes is stored in the header and checked on load, so a truncated or corrupted
 * file is reported rather than loaded.
 */
public final class Checkpoint {
    /** Value of {@code __metadata__.format}. */
    public static final String FORMAT = "staged-training-state/1";
    private static final String M = "optimizer.exp_avg.";
    private static final String V = "optimizer.exp_avg_sq.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A loaded checkpoint: the state and the extra JSON it was saved with. */
    public record Loaded(TrainingState state, JsonNode extra) {
    }

    private Checkpoint() {
    }

    /**
     * Writes {@code state} and {@code extra} to {@code file} atomically.
     *
     * @param file  destination, replaced if present
     * @param state the training state
     * @param extra any JSON the caller needs back on resume
     */
    public static void save(Path file, TrainingState state, JsonNode extra) {
        Map<String, INDArray> tensors = new LinkedHashMap<>(state.params());
        state.adamM().forEach((k, a) -> tensors.put(M + k, a));
        state.adamV().forEach((k, a) -> tensors.put(V + k, a));
        // two passes over the tensors, a chunk at a time: the header needs the checksum of the data it precedes,
        // and a state of several GB must not be buffered whole
        ObjectNode header = JSON.createObjectNode();
        MessageDigest sha = sha256();
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            if (!BooleanIndexing.and(e.getValue(), Conditions.isFinite())) {
                throw new CheckpointException(file + ": not written: tensor " + e.getKey() + " holds NaN or infinite "
                        + "values (a diverged state); the file on disk is left as it was");
            }
            long bytes = inChunks(e.getValue(), (b, len) -> sha.update(b, 0, len));
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", e.getValue().dataType() == DataType.DOUBLE ? "F64" : "F32");
            long[] shape = e.getValue().shape();
            Arrays.stream(shape).forEach(t.putArray("shape")::add);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", FORMAT);
        meta.put("config", JSON.valueToTree(state.config()).toString());
        meta.put("schedule", JSON.valueToTree(state.schedule()).toString());
        meta.put("step", Long.toString(state.step()));
        meta.put("schedule_step", Long.toString(state.scheduleStep()));
        meta.put("extra", extra == null ? "{}" : extra.toString());
        byte[] digest = sha.digest();
        meta.put("sha256", HexFormat.of().formatHex(digest));
        header.set("__metadata__", meta);
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8; // the format allows trailing spaces; keeps tensors 8-byte aligned
        byte[] headerBytes = Arrays.copyOf(h, h.length + pad);
        Arrays.fill(headerBytes, h.length, headerBytes.length, (byte) ' ');
        try {
            AtomicFiles.write(file, out -> {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
                out.write(headerBytes);
                MessageDigest again = sha256();
                for (INDArray a : tensors.values()) {
                    inChunks(a, (b, len) -> {
                        again.update(b, 0, len);
                        out.write(b, 0, len);
                    });
                }
                if (!MessageDigest.isEqual(again.digest(), digest)) {
                    throw new IOException("tensors changed while being written");
                }
            });
        } catch (UncheckedIOException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    /** Receives a tensor's bytes a chunk at a time. */
    @FunctionalInterface
    private interface ChunkSink {
        void accept(byte[] bytes, int length) throws IOException;
    }

    private static final int CHUNK = 1 << 20;   // elements per chunk: 4 MB of float32
    private static final WorkspaceConfiguration CHUNKS = WorkspaceConfiguration.builder()
            .initialSize(8L * CHUNK).policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.NONE).build();

    /** Hands {@code a}'s little-endian bytes in row-major order to {@code sink}, a chunk at a time; returns their count. */
    private static long inChunks(INDArray a, ChunkSink sink) {
        DataType dt = a.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        long n = a.length();
        int width = dt == DataType.DOUBLE ? 8 : 4;
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(n, CHUNK) * width).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (long i = 0; i < n; i += CHUNK) {
                int len = (int) Math.min(CHUNK, n - i);
                // the chunk's copy lives in a workspace reused chunk after chunk: off-heap memory allocated
                // outside one is freed only by a garbage collection
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CHUNKS, "checkpoint")) {
                    INDArray part = a.reshape('c', new long[] {n}).get(NDArrayIndex.interval(i, i + len));
                    b.clear();
                    if (width == 8) {
                        b.asDoubleBuffer().put(part.toDoubleVector());
                    } else {
                        b.asFloatBuffer().put(part.castTo(DataType.FLOAT).toFloatVector());
                    }
                }
                sink.accept(b.array(), len * width);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n * width;
    }

    /**
     * Reads a checkpoint written by {@link #save}, verifying its structure and checksum.
     *
     * @param file the checkpoint
     * @return the state (tensors in their saved float type) and the extra JSON
     * @throws CheckpointException naming the file and what is wrong with it
     */
    public static Loaded load(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "file is " + size + " bytes, too short for a safetensors header");
            }
            ByteBuffer len = readFully(ch, 0, 8, file).order(ByteOrder.LITTLE_ENDIAN);
            long n = len.getLong();
            if (n <= 0 || n > size - 8 || n > Integer.MAX_VALUE) {
                throw bad(file, "header length " + n + " does not fit in a file of " + size + " bytes (truncated?)");
            }
            JsonNode header = JSON.readTree(new String(readFully(ch, 8, (int) n, file).array(), StandardCharsets.UTF_8));
            JsonNode meta = header.get("__metadata__");
            if (meta == null || !FORMAT.equals(meta.path("format").asText())) {
                throw bad(file, "not a training-state checkpoint (missing __metadata__.format = " + FORMAT + ")");
            }
            ModelConfig config = JSON.readValue(meta.get("config").asText(), ModelConfig.class);
            LrSchedule schedule = JSON.readValue(meta.get("schedule").asText(), LrSchedule.class);
            long dataStart = 8 + n;
            long expectedEnd = 0;
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            MessageDigest sha = sha256();
            for (Map.Entry<String, JsonNode> e : iterable(header)) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode t = e.getValue();
                long[] shape = JSON.convertValue(t.get("shape"), new TypeReference<long[]>() { });
                long begin = t.get("data_offsets").get(0).asLong();
                long end = t.get("data_offsets").get(1).asLong();
                DataType dt = switch (t.get("dtype").asText()) {
                    case "F32" -> DataType.FLOAT;
                    case "F64" -> DataType.DOUBLE;
                    default -> throw bad(file, "tensor " + e.getKey() + " has unsupported dtype " + t.get("dtype"));
                };
                long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                if (begin != expectedEnd || end - begin != count * dt.width() || dataStart + end > size) {
                    throw bad(file, "tensor " + e.getKey() + " has data_offsets [" + begin + ", " + end
                            + "] inconsistent with shape " + Arrays.toString(shape) + " or file size " + size
                            + " (truncated?)");
                }
                ByteBuffer bytes = readFully(ch, dataStart + begin, Math.toIntExact(end - begin), file);
                sha.update(bytes.array());
                tensors.put(e.getKey(), fromBytes(bytes, dt, shape));
                expectedEnd = end;
            }
            if (dataStart + expectedEnd != size) {
                throw bad(file, "file has " + (size - dataStart - expectedEnd) + " bytes beyond the last tensor");
            }
            String digest = HexFormat.of().formatHex(sha.digest());
            if (!digest.equals(meta.path("sha256").asText())) {
                throw bad(file, "SHA-256 of the tensor data is " + digest + ", header says "
                        + meta.path("sha256").asText() + " (corrupted)");
            }
            Map<String, INDArray> p = new LinkedHashMap<>();
            Map<String, INDArray> m = new LinkedHashMap<>();
            Map<String, INDArray> v = new LinkedHashMap<>();
            tensors.forEach((k, a) -> (k.startsWith(M) ? m : k.startsWith(V) ? v : p)
                    .put(k.startsWith(M) ? k.substring(M.length()) : k.startsWith(V) ? k.substring(V.length()) : k, a));
            TrainingState state = new TrainingState(config, p, m, v, Long.parseLong(meta.get("step").asText()),
                    schedule, Long.parseLong(meta.get("schedule_step").asText()));
            return new Loaded(state, JSON.readTree(meta.path("extra").asText("{}")));
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null) {
                throw bad(file, e.getMessage());
            }
            throw new CheckpointException(file + ": cannot read checkpoint: " + e, e);
        }
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
        return node::fields;
    }

    private static INDArray fromBytes(ByteBuffer bytes, DataType dt, long[] shape) {
        bytes.order(ByteOrder.LITTLE_ENDIAN).rewind();
        if (dt == DataType.DOUBLE) {
            double[] d = new double[bytes.remaining() / 8];
            bytes.asDoubleBuffer().get(d);
            return Nd4j.create(d, shape, DataType.DOUBLE);
        }
        float[] f = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(f);
        return Nd4j.create(f, shape, 'c');
    }

    private static ByteBuffer readFully(FileChannel ch, long pos, int n, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw bad(file, "unexpected end of file at byte " + (pos + b.position()) + " (truncated?)");
            }
        }
        return b.flip();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CheckpointException bad(Path file, String what) {
        return new CheckpointException(file + ": " + what);
    }
}
