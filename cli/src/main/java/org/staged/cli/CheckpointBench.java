package org.staged.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.models.Bench;
import org.staged.models.hf.HfGpt2;
import org.staged.models.train.Checkpoint;

/**
 * Times saving a whole training state (θ, m, v in float32) of a preset and the memory the save adds, and its
 * round trip through a Hugging Face folder.
 */
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

    /**
     * @param cfg the model
     * @param dir where to write the folder (deleted afterwards)
     * @return a {@code BENCH hf=…} line: export (weights and moments) and import times, sizes
     */
    static String hf(ModelConfig cfg, Path dir) {
        TrainingState s = GrowthBench.randomState(cfg);
        try {
            Path folder = Files.createTempDirectory(dir, "bench-hf");
            long t0 = System.nanoTime();
            HfGpt2.save(folder, s, new HfGpt2.Export(HfGpt2.Dropouts.GPT2, null, true));
            double export = (System.nanoTime() - t0) / 1e9;
            long weights = Files.size(folder.resolve(HfGpt2.WEIGHTS));
            long moments = Files.size(folder.resolve(HfGpt2.OPTIMIZER));
            Files.delete(folder.resolve(HfGpt2.OPTIMIZER));
            var params = s.params();
            var schedule = s.schedule();
            s = null;
            System.gc();   // the moments' off-heap memory goes only with a collection: gpt2-large's would not fit twice
            t0 = System.nanoTime();
            TrainingState back = HfGpt2.load(folder, schedule).state();
            double imp = (System.nanoTime() - t0) / 1e9;
            boolean same = params.keySet().stream().allMatch(k -> back.params().get(k).equals(params.get(k)));
            try (var files = Files.list(folder)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(folder);
            return String.format(Locale.ROOT, "BENCH hf=round-trip params=%d weights_gb=%.2f moments_gb=%.2f "
                    + "export_seconds=%.1f import_seconds=%.1f bit_identical=%b", cfg.totalParams(), weights / 1e9,
                    moments / 1e9, export, imp, same);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
    }
}
