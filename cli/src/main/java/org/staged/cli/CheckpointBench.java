package org.staged.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.models.Bench;
import org.staged.models.train.Checkpoint;

/** Times saving a whole training state (θ, m, v in float32) of a preset, and the memory the save adds. */
final class CheckpointBench {
    private CheckpointBench() {
    }

    /**
     * @param cfg the model
     * @param dir where to write the checkpoint (deleted afterwards)
     * @return a {@code BENCH checkpoint=…} line
     */
    static String run(ModelConfig cfg, Path dir) {
        TrainingState s = GrowthBench.randomState(cfg);
        System.gc();
        long before = Bench.rssMb();
        long peakBefore = Bench.peakRssMb();
        try {
            Path file = Files.createTempFile(dir, "bench", ".safetensors");
            long t0 = System.nanoTime();
            Checkpoint.save(file, s, null);
            double sec = (System.nanoTime() - t0) / 1e9;
            long size = Files.size(file);
            Files.delete(file);
            return String.format(Locale.ROOT, "BENCH checkpoint=save params=%d file_gb=%.2f seconds=%.1f "
                            + "rss_before_mb=%d peak_rss_mb=%d peak_before_save_mb=%d", cfg.totalParams(), size / 1e9, sec,
                    before, Bench.peakRssMb(), peakBefore);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }
}
