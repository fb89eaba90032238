package org.staged.models.train;

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.staged.api.AtomicFiles;

/**
 * The safetensors container (an 8-byte little-endian header length, a JSON header of name → dtype, shape and
 * byte range plus string {@code __metadata__}, then the tensor bytes), as both the suite's checkpoints and
 * Hugging Face models use it.
 *
 * <p>Writing records the SHA-256 of the tensor bytes as {@code __metadata__.sha256}; {@link #dataSha256} lets a
 * reader check it. Reading takes F32 and F64 as they are and widens F16 and BF16 to F32.
 */
public final class Safetensors implements AutoCloseable {
    /** Metadata key of the SHA-256 of the tensor bytes. */
    public static final String SHA256 = "sha256";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tensor's entry in the header. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    }

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private Safetensors(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries,
                        Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /**
     * Opens a file and checks its header: every tensor's byte range fits its dtype and shape, and the ranges
     * tile the data without gap or overlap up to the end of the file.
     *
     * @param file a safetensors file
     * @return the open file; close it after reading
     * @throws CheckpointException naming the file and what is wrong with it
     */
    public static Safetensors open(Path file) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "file is " + size + " bytes, too short for a safetensors header");
            }
            long n = readFully(ch, 0, 8, file).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n <= 0 || n > size - 8 || n > Integer.MAX_VALUE) {
                throw bad(file, "header length " + n + " does not fit in a file of " + size + " bytes (truncated?)");
            }
            JsonNode header = JSON.readTree(new String(readFully(ch, 8, (int) n, file).array(), StandardCharsets.UTF_8));
            if (header == null || !header.isObject()) {
                throw bad(file, "header is not a JSON object");
            }
            Map<String, String> meta = new LinkedHashMap<>();
            header.path("__metadata__").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
            Map<String, Entry> entries = new LinkedHashMap<>();
            List<Entry> byOffset = new ArrayList<>();
            for (var it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                Entry entry = entry(file, e.getKey(), e.getValue());
                entries.put(e.getKey(), entry);
                byOffset.add(entry);
            }
            // the format lets the header list tensors in any order; their bytes must tile the data exactly
            byOffset.sort(Comparator.comparingLong(Entry::begin));
            long expected = 0;
            for (Entry e : byOffset) {
                if (e.begin() != expected) {
                    throw bad(file, "tensor " + e.name() + " has data_offsets [" + e.begin() + ", " + e.end()
                            + "] inconsistent with the tensors before it or file size " + size + " (truncated?)");
                }
                expected = e.end();
            }
            long dataStart = 8 + n;
            if (dataStart + expected > size) {
                throw bad(file, "tensor data ends at byte " + (dataStart + expected) + " but the file has " + size
                        + " bytes (truncated?)");
            }
            if (dataStart + expected != size) {
                throw bad(file, "file has " + (size - dataStart - expected) + " bytes beyond the last tensor");
            }
            return new Safetensors(file, ch, dataStart, entries, meta);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            if (e instanceof CheckpointException c) {
                throw c;
            }
            throw new CheckpointException(file + ": cannot read safetensors: " + e, e);
        }
    }

    private static Entry entry(Path file, String name, JsonNode t) {
        JsonNode shapeNode = t.get("shape");
        JsonNode offsets = t.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray() || offsets == null || offsets.size() != 2 || !t.has("dtype")) {
            throw bad(file, "tensor " + name + " lacks dtype, shape or data_offsets in the header");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
        }
        String dtype = t.get("dtype").asText();
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        int width = width(dtype);
        if (width > 0 && end - begin != count * width || begin < 0 || end < begin) {
            throw bad(file, "tensor " + name + " has data_offsets [" + begin + ", " + end + "] inconsistent with dtype "
                    + dtype + " and shape " + Arrays.toString(shape));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** @return bytes per element of a safetensors dtype, or 0 for one this reader does not convert */
    private static int width(String dtype) {
        return switch (dtype) {
            case "F64" -> 8;
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> 0;
        };
    }

    /** @return the file */
    public Path file() {
        return file;
    }

    /** @return tensors by name, in header order */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** @return the header's string metadata (empty when there is none) */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Reads one tensor: F64 as DOUBLE, F32 as FLOAT, F16 and BF16 widened to FLOAT.
     *
     * @param name a tensor of {@link #entries()}
     * @return a new c-order array
     * @throws CheckpointException naming the file and tensor when it is missing or of another dtype
     */
    public INDArray read(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw bad(file, "no tensor " + name);
        }
        if (width(e.dtype()) == 0) {
            throw bad(file, "tensor " + name + " has dtype " + e.dtype() + "; only F32, F64, F16 and BF16 are read");
        }
        if (e.end() - e.begin() > Integer.MAX_VALUE) {
            throw bad(file, "tensor " + name + " is larger than 2 GB, more than one read can take");
        }
        try {
            ByteBuffer b = readFully(channel, dataStart + e.begin(), (int) (e.end() - e.begin()), file)
                    .order(ByteOrder.LITTLE_ENDIAN);
            long[] shape = e.shape();
            switch (e.dtype()) {
                case "F64" -> {
                    double[] d = new double[b.remaining() / 8];
                    b.asDoubleBuffer().get(d);
                    return Nd4j.create(d, shape, DataType.DOUBLE);
                }
                case "F32" -> {
                    INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
                    ByteBuffer own = plainBytes(out);
                    if (own != null) {
                        own.put(b);
                        Nd4j.getAffinityManager().tagLocation(out, AffinityManager.Location.HOST);   // host copy is current
                        return out;
                    }
                    float[] f = new float[b.remaining() / 4];
                    b.asFloatBuffer().get(f);
                    return Nd4j.create(f, shape, 'c');
                }
                default -> {
                    boolean bf16 = e.dtype().equals("BF16");
                    float[] f = new float[b.remaining() / 2];
                    for (int i = 0; i < f.length; i++) {
                        short h = b.getShort();
                        f[i] = bf16 ? Float.intBitsToFloat((h & 0xffff) << 16) : halfToFloat(h);
                    }
                    return Nd4j.create(f, shape, 'c');
                }
            }
        } catch (IOException ex) {
            throw new CheckpointException(file + ": cannot read tensor " + name + ": " + ex, ex);
        }
    }

    /**
     * @return the hex SHA-256 of all tensor bytes, read a chunk at a time
     * @throws CheckpointException when the file cannot be read
     */
    public String dataSha256() {
        MessageDigest sha = sha256();
        ByteBuffer b = ByteBuffer.allocate(1 << 22);
        try {
            long size = channel.size();
            for (long pos = dataStart; pos < size; ) {
                b.clear();
                int n = channel.read(b, pos);
                if (n < 0) {
                    throw bad(file, "unexpected end of file at byte " + pos + " (truncated?)");
                }
                sha.update(b.array(), 0, n);
                pos += n;
            }
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e, e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    /**
     * Writes tensors (F32 or F64, as their arrays hold) and string metadata to {@code file} atomically, adding
     * {@value #SHA256}. Tensors go out a chunk at a time, so a state of several GB is never buffered whole.
     *
     * @param file     destination, replaced if present
     * @param tensors  name → array, written in this order
     * @param metadata {@code __metadata__} entries
     * @throws CheckpointException when a tensor holds NaN or infinities (the file on disk is left as it was) or
     *                             the file cannot be written
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) {
        // two passes over the tensors: the header holds the checksum of the data it precedes
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
            Arrays.stream(e.getValue().shape()).forEach(t.putArray("shape")::add);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] digest = sha.digest();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        meta.put(SHA256, HexFormat.of().formatHex(digest));
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
            ByteBuffer direct = plainBytes(a);
            if (direct != null) {   // the array's own memory, already in file order: no copies through ND4J
                for (long i = 0; i < n; i += CHUNK) {
                    int len = (int) Math.min(CHUNK, n - i) * width;
                    direct.get(b.array(), 0, len);
                    sink.accept(b.array(), len);
                }
                return n * width;
            }
            for (long i = 0; i < n; i += CHUNK) {
                int len = (int) Math.min(CHUNK, n - i);
                // the chunk's copy lives in a workspace reused chunk after chunk: off-heap memory allocated
                // outside one is freed only by a garbage collection
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CHUNKS, "safetensors")) {
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

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mant << 13);   // infinity or NaN
        }
        if (exp == 0) {
            float sub = mant * 0x1p-24f;   // zero or subnormal: mant · 2^-24, exact in float
            return sign == 0 ? sub : -sub;
        }
        return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
    }

    /**
     * @return a little-endian view of {@code a}'s off-heap memory when it is a whole, c-ordered F32 or F64 buffer on
     *         a little-endian machine, positioned at its first element; else null
     */
    private static ByteBuffer plainBytes(INDArray a) {
        boolean plain = (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE) && !a.isView()
                && a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length()
                && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN && a.length() * a.dataType().width() <= Integer.MAX_VALUE;
        if (!plain || a.length() == 0) {
            return null;
        }
        // on a GPU backend the host copy is brought up to date first; on the CPU this does nothing
        Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
        ByteBuffer nio = a.data().asNio();
        return nio == null || nio.capacity() < a.length() * a.dataType().width() ? null
                : nio.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0);
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

    private static void closeQuietly(FileChannel ch) {
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }

    private static CheckpointException bad(Path file, String what) {
        return new CheckpointException(file + ": " + what);
    }
}
