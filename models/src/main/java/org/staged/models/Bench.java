package org.staged.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;

/**
 * Training-speed benchmark on random tokens, comparable with {@code shared/bench/torch_gpt.py}: same model
 * (untied head, as the reference), same batch shapes, Adam, float32.
 */
public final class Bench {
    private Bench() {
    }

    /** One benchmark line. */
    public record Result(String config, int threads, double tokensPerS, double gflops, double mfu,
                         double peakGflops, long peakRssMb, double medianStepS, double firstLoss, double lastLoss) {
        /** @return {@code BENCH config=… tokens_per_s=… gflops=… mfu=… peak_rss_mb=…} then the other fields */
        public String line() {
            return String.format(java.util.Locale.ROOT, "BENCH config=%s tokens_per_s=%.0f gflops=%.1f mfu=%.2f "
                            + "peak_rss_mb=%d threads=%d median_step_s=%.3f sgemm_peak_gflops=%.1f loss=%.4f->%.4f",
                    config, tokensPerS, gflops, mfu, peakRssMb, threads, medianStepS, peakGflops, firstLoss, lastLoss);
        }
    }

    /** Batch size the reference uses for a preset. */
    public static int referenceBatch(String preset) {
        return switch (preset) {
            case "tiny" -> 32;
            case "small" -> 16;
            default -> 8;
        };
    }

    /**
     * Trains {@code preset} on random tokens and times it.
     *
     * @param preset  model preset name
     * @param batch   sequences per step (full context length each)
     * @param warmup  untimed steps
     * @param steps   timed steps
     * @param threads threads reported (set them with {@link #setThreads} first)
     * @param peak    measured sgemm GFLOP/s for MFU
     * @return the measurement
     */
    public static Result run(String preset, int batch, int warmup, int steps, int threads, double peak) {
        ModelConfig cfg = ModelConfig.preset(preset).withTiedHead(false);
        PackedState s = PackedState.of(TrainingState.fresh(cfg, GptInit.init(cfg, 0, DataType.FLOAT),
                LrSchedule.cosine(3e-4, 0, 1000)));
        Gpt gpt = new Gpt(cfg, s.state().params());
        AdamConfig adam = new AdamConfig(0.9, 0.999, 1e-8, true, 0.0, 0.0);
        SplittableRandom rng = new SplittableRandom(1);
        int t = cfg.contextLength();
        double[] times = new double[steps];
        double first = Double.NaN;
        double last = Double.NaN;
        for (int i = 0; i < warmup + steps; i++) {
            INDArray idx = randomTokens(rng, batch, t, cfg.vocabSize());
            INDArray tgt = randomTokens(rng, batch, t, cfg.vocabSize());
            long t0 = System.nanoTime();
            s.zeroGrads();
            last = gpt.lossAndGradients(idx, tgt, s.grads());
            Adam.step(s, adam);
            double dt = (System.nanoTime() - t0) / 1e9;
            if (i == 0) {
                first = last;
            }
            if (i >= warmup) {
                times[i - warmup] = dt;
            }
        }
        Arrays.sort(times);
        double median = times[steps / 2];
        double tokensPerS = batch * t / median;
        double gflops = tokensPerS * cfg.trainingFlopsPerToken(t) / 1e9;
        return new Result(preset, threads, tokensPerS, gflops, gflops / peak, peak, peakRssMb(), median, first, last);
    }

    /** @return GFLOP/s of a large float32 gemm, the practical peak of this machine's BLAS */
    public static double sgemmPeakGflops() {
        int n = 2048;
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        double best = 0;
        for (int i = 0; i < 6; i++) {
            long t0 = System.nanoTime();
            Gemm.mm(a, false, b, false, c);
            best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9) / 1e9);
        }
        return best;
    }

    /** Sets the threads ND4J's own ops and its BLAS use. */
    public static void setThreads(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Gemm.setThreads(threads);
    }

    /** @return peak resident set size of this process in MB (Linux VmHWM), or -1 when unknown */
    public static long peakRssMb() {
        return statusMb("VmHWM:");
    }

    /** @return this process's resident memory now in MB (Linux), or -1 where unknown */
    public static long rssMb() {
        return statusMb("VmRSS:");
    }

    private static long statusMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static INDArray randomTokens(SplittableRandom rng, int b, int t, int vocab) {
        int[][] x = new int[b][t];
        for (int[] row : x) {
            for (int j = 0; j < t; j++) {
                row[j] = rng.nextInt(vocab);
            }
        }
        return Nd4j.createFromArray(x);
    }
}
