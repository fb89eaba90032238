package org.staged.models.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.staged.models.AdamConfig;
import org.staged.models.Gpt;
import org.staged.models.PackedState;
import org.staged.models.GptInit;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class TrainerTest {
    private static final ModelConfig CFG = ModelConfig.preset("micro").withContextLength(16).withWidth(16, 2, 64);

    /** A learnable stream: a noisy repeating pattern over the micro vocabulary. */
    static int[] stream(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rng.nextInt(10) == 0 ? rng.nextInt(CFG.vocabSize()) : (i * 7) % CFG.vocabSize();
        }
        return t;
    }

    private static TrainingState fresh() {
        return TrainingState.fresh(CFG, GptInit.init(CFG, 5, DataType.FLOAT), LrSchedule.cosine(3e-3, 5, 60));
    }

    private static Trainer trainer(Path dir, int steps) {
        return trainer(dir, steps, 0);
    }

    private static Trainer trainer(Path dir, int steps, double dropout) {
        return trainer(dir, steps, dropout, 0);
    }

    private static Trainer trainer(Path dir, int steps, double dropout, double attnDropout) {
        return new Trainer(new TrainConfig(4, steps, 2, 2, 4, 42, dropout, attnDropout), AdamConfig.defaults(),
                stream(4000, 1), stream(600, 2), dir, false);
    }

    @DataProvider
    public Object[][] dropouts() {
        return new Object[][] {{0.0, 0.0}, {0.1, 0.0}, {0.1, 0.1}};
    }

    @Test
    public void validationLossFalls() throws IOException {
        Path dir = Files.createTempDirectory("run");
        trainer(dir, 60).run(fresh(), 0, 0);
        List<TrainLog.Row> rows = TrainLog.read(dir.resolve(Trainer.LOG));
        assertEquals(rows.size(), 30);
        assertTrue(rows.get(rows.size() - 1).valLoss() < rows.get(0).valLoss() - 0.5,
                "val loss " + rows.get(0).valLoss() + " -> " + rows.get(rows.size() - 1).valLoss());
        TrainLog.Row last = rows.get(rows.size() - 1);
        assertEquals(last.tokens(), 60L * 4 * 16);
        assertEquals(last.flops(), last.tokens() * CFG.trainingFlopsPerToken(16), 1e-6 * last.flops());
    }

    @Test(dataProvider = "dropouts")
    public void resumeAfterCrashIsBitIdentical(double dropout, double attnDropout) throws IOException {
        Path straight = Files.createTempDirectory("run");
        trainer(straight, 12, dropout, attnDropout).run(fresh(), 0, 0);

        Path crashed = Files.createTempDirectory("run");
        try {
            trainer(crashed, 12, dropout, attnDropout).onRow(r -> {
                if (r.step() == 10) {
                    throw new IllegalStateException("killed");  // after rows 2..10 and the checkpoint at 8
                }
            }).run(fresh(), 0, 0);
        } catch (IllegalStateException expected) {
            // simulated crash
        }
        assertEquals(TrainLog.read(crashed.resolve(Trainer.LOG)).size(), 5);
        Files.writeString(crashed.resolve(Trainer.LOG), "12,76", java.nio.file.StandardOpenOption.APPEND); // torn row
        assertTrue(Trainer.canResume(crashed));
        trainer(crashed, 12, dropout, attnDropout).resume();
        assertEquals(Files.readAllLines(crashed.resolve(Trainer.LOG)), Files.readAllLines(straight.resolve(Trainer.LOG)));
        assertEquals(Files.readAllBytes(crashed.resolve(Trainer.CHECKPOINT)),
                Files.readAllBytes(straight.resolve(Trainer.CHECKPOINT)));
    }

    @Test
    public void microBatchesGiveTheFullBatchLossAndGradients() {
        Trainer whole = new Trainer(new TrainConfig(8, 1, 1, 1, 0, 42), AdamConfig.defaults(), stream(4000, 1),
                stream(600, 2), Path.of("unused"), false);
        Trainer split = new Trainer(new TrainConfig(8, 1, 1, 1, 0, 42), AdamConfig.defaults(), stream(4000, 1),
                stream(600, 2), Path.of("unused"), false).microBatch(2);
        TokenBatches.Batch b = new TokenBatches(stream(4000, 1), 16, 8, 42, true).next();
        PackedState p1 = PackedState.of(fresh());
        PackedState p2 = PackedState.of(fresh());
        double l1 = whole.lossAndGradients(new Gpt(CFG, p1.state().params()), p1, b, 0);
        double l2 = split.lossAndGradients(new Gpt(CFG, p2.state().params()), p2, b, 0);
        assertEquals(l2, l1, 1e-5 * l1);
        double largest = 0;
        for (INDArray g : p1.grads().values()) {
            largest = Math.max(largest, g.amaxNumber().doubleValue());
        }
        for (String name : p1.grads().keySet()) {
            INDArray g1 = p1.grads().get(name);
            INDArray g2 = p2.grads().get(name);
            // the key bias's gradient is zero in exact arithmetic (softmax ignores it): compare it to the rest
            double scale = Math.max(g1.amaxNumber().doubleValue(), 1e-3 * largest);
            double diff = g1.sub(g2).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-5 * scale, name + ": max |Δg| " + diff + " of max |g| " + scale);
        }
        expectThrows(IllegalArgumentException.class, () -> whole.microBatch(3));
    }

    @Test(dataProvider = "dropouts")
    public void microBatchedResumeIsBitIdentical(double dropout, double attnDropout) throws IOException {
        Path straight = Files.createTempDirectory("run");
        trainer(straight, 12, dropout, attnDropout).microBatch(2).run(fresh(), 0, 0);
        Path crashed = Files.createTempDirectory("run");
        try {
            trainer(crashed, 12, dropout, attnDropout).microBatch(2).onRow(r -> {
                if (r.step() == 10) {
                    throw new IllegalStateException("killed");
                }
            }).run(fresh(), 0, 0);
        } catch (IllegalStateException expected) {
            // simulated crash after the checkpoint at step 8
        }
        trainer(crashed, 12, dropout, attnDropout).microBatch(2).resume();
        assertEquals(Files.readAllBytes(crashed.resolve(Trainer.CHECKPOINT)),
                Files.readAllBytes(straight.resolve(Trainer.CHECKPOINT)));
        assertEquals(Files.readAllLines(crashed.resolve(Trainer.LOG)), Files.readAllLines(straight.resolve(Trainer.LOG)));
    }

    @Test
    public void stopRuleEndsTheRunAndSnapshotsStay() throws IOException {
        Path dir = Files.createTempDirectory("run");
        Trainer.Result r = trainer(dir, 60).keepSnapshots().stopWhen(row -> row.step() == 6).run(fresh(), 0, 0);
        List<TrainLog.Row> rows = TrainLog.read(dir.resolve(Trainer.LOG));
        assertEquals(rows.get(rows.size() - 1).step(), 6L, "stopped at the first row the rule accepts");
        assertEquals(r.tokens(), 6L * 4 * 16);
        // checkpoints every 4 steps, and at the stop
        assertTrue(Files.exists(Trainer.snapshot(dir, 4)) && Files.exists(Trainer.snapshot(dir, 6)));
        assertEquals(Files.readAllBytes(Trainer.snapshot(dir, 6)), Files.readAllBytes(dir.resolve(Trainer.CHECKPOINT)));
        assertEquals(Checkpoint.load(Trainer.snapshot(dir, 4)).extra().get("run_step").asLong(), 4L,
                "a snapshot keeps its own step after later checkpoints replace the current one");
        // resuming a run that had stopped ends at once, where it was
        byte[] before = Files.readAllBytes(dir.resolve(Trainer.LOG));
        Trainer.Result again = trainer(dir, 60).keepSnapshots().stopWhen(row -> row.step() == 6).resume();
        assertEquals(again.tokens(), r.tokens());
        assertEquals(Files.readAllBytes(dir.resolve(Trainer.LOG)), before);
    }

    @Test
    public void divergenceStopsAtItsStepAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path dir = Files.createTempDirectory("run");
        // LR warming up to 1e4: finite for the first checkpoints, NaN a few steps later
        TrainingState s = TrainingState.fresh(CFG, GptInit.init(CFG, 5, DataType.FLOAT), LrSchedule.cosine(1e4, 30, 60));
        Trainer t = new Trainer(new TrainConfig(4, 60, 2, 2, 4, 42, 0, 0), AdamConfig.defaults(),
                stream(4000, 1), stream(600, 2), dir, false);
        DivergenceException e = expectThrows(DivergenceException.class, () -> t.run(s, 0, 0));
        assertTrue(e.step() > 4 && e.step() < 60, "diverged at step " + e.step());
        long lastGood = (e.step() - 1) / 4 * 4;
        assertTrue(e.getMessage().contains("diverged at step " + e.step())
                && e.getMessage().contains("last good checkpoint is " + dir.resolve(Trainer.CHECKPOINT) + " (step " + lastGood + ")"),
                e.getMessage());
        Checkpoint.Loaded saved = Checkpoint.load(dir.resolve(Trainer.CHECKPOINT));
        assertEquals(saved.extra().get("run_step").asLong(), lastGood);
        for (var p : saved.state().params().values()) {
            assertTrue(org.nd4j.linalg.indexing.BooleanIndexing.and(p, org.nd4j.linalg.indexing.conditions.Conditions.isFinite()));
        }
        for (TrainLog.Row r : TrainLog.read(dir.resolve(Trainer.LOG))) {
            assertTrue(Double.isFinite(r.trainLoss()) && Double.isFinite(r.valLoss()), "NaN logged at step " + r.step());
        }
    }

    /** A stream whose stretches are either the learnable pattern or pure noise: batch losses vary widely. */
    private static Trainer mixed(Path dir, int steps) {
        return mixedUnguarded(dir, steps).spikeGuard(1.2);
    }

    private static Trainer mixedUnguarded(Path dir, int steps) {
        SplittableRandom rng = new SplittableRandom(3);
        int[] t = new int[8000];
        for (int i = 0; i < t.length; i += 64) {
            boolean noise = rng.nextInt(3) == 0;
            for (int j = i; j < Math.min(t.length, i + 64); j++) {
                t[j] = noise ? rng.nextInt(CFG.vocabSize()) : 3;   // a pattern learnt in a few steps
            }
        }
        return new Trainer(new TrainConfig(4, steps, 2, 2, 4, 42, 0, 0), AdamConfig.defaults(), t, stream(600, 2), dir,
                false);
    }

    @Test
    public void spikeGuardSkipsUpdatesAboveItsFactorAndResumesBitIdentically() throws IOException {
        // stretches of noise among a learnable pattern: once the pattern is learnt, a noisy batch is a spike
        Path straight = Files.createTempDirectory("run");
        Trainer a = mixed(straight, 40);
        a.run(fresh(), 0, 0);
        assertTrue(a.spikesSkipped() > 0 && a.spikesSkipped() < 40, "skipped " + a.spikesSkipped());
        assertEquals(Checkpoint.load(straight.resolve(Trainer.CHECKPOINT)).extra().get("spikes_skipped").asLong(),
                a.spikesSkipped());
        Path unguarded = Files.createTempDirectory("run");
        mixedUnguarded(unguarded, 40).run(fresh(), 0, 0);
        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(unguarded.resolve(Trainer.CHECKPOINT)),
                Files.readAllBytes(straight.resolve(Trainer.CHECKPOINT))), "skipped updates change the state");

        Path crashed = Files.createTempDirectory("run");
        try {
            mixed(crashed, 40).onRow(r -> {
                if (r.step() == 30) {
                    throw new IllegalStateException("killed");   // after the checkpoint at 28
                }
            }).run(fresh(), 0, 0);
        } catch (IllegalStateException expected) {
            // simulated crash
        }
        Trainer b = mixed(crashed, 40);
        b.resume();
        assertEquals(b.spikesSkipped(), a.spikesSkipped());
        assertEquals(Files.readAllBytes(crashed.resolve(Trainer.CHECKPOINT)),
                Files.readAllBytes(straight.resolve(Trainer.CHECKPOINT)));
        expectThrows(IllegalArgumentException.class, () -> mixedUnguarded(crashed, 40).spikeGuard(1.0));
    }
}
