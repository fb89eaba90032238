package org.staged.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.staged.api.ModelConfig;
import org.staged.api.growth.GrowthOperators;
import org.staged.models.Bench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code staged bench}: training throughput on random tokens, comparable with shared/bench/torch_gpt.py. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure training speed (tokens/s, model GFLOP/s, MFU against a measured sgemm peak, peak RSS) "
                + "on random tokens with the reference's batch shapes: tiny B=32, small B=16, full context.")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, split = ",", description = "presets to measure (default: ${DEFAULT-VALUE})")
    List<String> configs = List.of("tiny", "small");
    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = "--warmup", description = "untimed steps (default: ${DEFAULT-VALUE})")
    int warmup = 3;
    @Option(names = "--steps", description = "timed steps; the median is reported (default: ${DEFAULT-VALUE})")
    int steps = 10;
    @Option(names = "--batch", description = "sequences per step (default: the reference's)")
    Integer batch;
    @Option(names = "--schedule", description = "instead of training, time solving Table 3 (M = 1, 2, 3, 4, 5, 10 at "
            + "L_target = 3, Kaplan): the first solve in a fresh JVM and a repeat")
    boolean schedule;
    @Option(names = "--grow", description = "instead of training, time growing a whole training state into each "
            + "--config with this operator (e.g. --grow width --config gpt2-large)")
    String grow;
    @Option(names = "--checkpoint", description = "instead of training, time saving a whole training state of each "
            + "--config into this directory, and the memory the save adds, then its export to and import from a "
            + "Hugging Face folder (e.g. --checkpoint /tmp --config gpt2-large)")
    java.nio.file.Path checkpointDir;
    @Option(names = "--input", description = "also time reading training batches of each --config's shape from this "
            + "folder of token shards, against its training step (the input pipeline's share of a step)")
    java.nio.file.Path input;

    /** Times {@code next()} of a shard stream with this config's batch shape, after a warm-up. */
    private String inputLine(String config, int b, double stepSeconds) {
        ModelConfig cfg = ModelConfig.preset(config);
        org.staged.models.train.TrainingStream s = org.staged.eval.data.TokenShards
                .open(input, Integer.MAX_VALUE).onNotice(n -> { }).open(cfg.contextLength(), b, 1);
        for (int i = 0; i < 50; i++) {
            s.next();
        }
        int n = 500;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            s.next();
        }
        double ms = (System.nanoTime() - t0) / 1e6 / n;
        return String.format(java.util.Locale.ROOT, "BENCH input config=%s batch=%d ms_per_batch=%.3f "
                + "share_of_step=%.4f%%", config, b, ms, 100 * ms / 1e3 / stepSeconds);
    }

    @Override
    public Integer call() {
        Bench.setThreads(threads);
        if (schedule) {
            for (String run : new String[] {"first", "repeat"}) {
                long t0 = System.nanoTime();
                org.staged.schedule.ScheduleSolver solver =
                        new org.staged.schedule.ScheduleSolver(org.staged.schedule.KaplanLaw.TABLE_5, 3.0);
                for (int m : new int[] {1, 2, 3, 4, 5, 10}) {
                    solver.solve(m, null);
                }
                System.out.printf(java.util.Locale.ROOT, "BENCH schedule=table3 run=%s seconds=%.3f%n", run,
                        (System.nanoTime() - t0) / 1e9);
            }
            return 0;
        }
        if (grow != null) {
            for (String c : configs) {
                System.out.println(GrowthBench.run(GrowthOperators.discover().stage(grow), ModelConfig.preset(c)));
            }
            return 0;
        }
        if (checkpointDir != null) {
            for (String c : configs) {
                System.out.println(CheckpointBench.run(ModelConfig.preset(c), checkpointDir));
                System.out.println(CheckpointBench.hf(ModelConfig.preset(c), checkpointDir));
            }
            return 0;
        }
        double peak = Bench.sgemmPeakGflops();
        for (String c : configs) {
            System.gc(); // off-heap buffers of the previous config are freed only by a collection
            int b = batch != null ? batch : Bench.referenceBatch(c);
            Bench.Result r = Bench.run(c, b, warmup, steps, threads, peak);
            System.out.println(r.line());
            if (input != null) {
                System.out.println(inputLine(c, b, r.medianStepS()));
            }
        }
        return 0;
    }
}
