package org.staged.models.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
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
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("config", JSON.valueToTree(state.config()).toString());
        meta.put("schedule", JSON.valueToTree(state.schedule()).toString());
        meta.put("step", Long.toString(state.step()));
        meta.put("schedule_step", Long.toString(state.scheduleStep()));
        meta.put("extra", extra == null ? "{}" : extra.toString());
        Safetensors.write(file, tensors, meta);
    }

    /**
     * Reads a checkpoint written by {@link #save}, verifying its structure and checksum.
     *
     * @param file the checkpoint
     * @return the state (tensors in their saved float type) and the extra JSON
     * @throws CheckpointException naming the file and what is wrong with it
     */
    public static Loaded load(Path file) {
        try (Safetensors f = Safetensors.open(file)) {
            Map<String, String> meta = f.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw bad(file, "not a training-state checkpoint (missing __metadata__.format = " + FORMAT + ")");
            }
            String digest = f.dataSha256();
            if (!digest.equals(meta.get(Safetensors.SHA256))) {
                throw bad(file, "SHA-256 of the tensor data is " + digest + ", header says "
                        + meta.get(Safetensors.SHA256) + " (corrupted)");
            }
            ModelConfig config = JSON.readValue(meta.get("config"), ModelConfig.class);
            LrSchedule schedule = JSON.readValue(meta.get("schedule"), LrSchedule.class);
            Map<String, INDArray> p = new LinkedHashMap<>();
            Map<String, INDArray> m = new LinkedHashMap<>();
            Map<String, INDArray> v = new LinkedHashMap<>();
            for (String k : f.entries().keySet()) {
                INDArray a = f.read(k);
                if (k.startsWith(M)) {
                    m.put(k.substring(M.length()), a);
                } else if (k.startsWith(V)) {
                    v.put(k.substring(V.length()), a);
                } else {
                    p.put(k, a);
                }
            }
            TrainingState state = new TrainingState(config, p, m, v, Long.parseLong(meta.get("step")),
                    schedule, Long.parseLong(meta.get("schedule_step")));
            return new Loaded(state, JSON.readTree(meta.getOrDefault("extra", "{}")));
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null) {
                throw bad(file, e.getMessage());
            }
            throw new CheckpointException(file + ": cannot read checkpoint: " + e, e);
        }
    }

    private static CheckpointException bad(Path file, String what) {
        return new CheckpointException(file + ": " + what);
    }
}
