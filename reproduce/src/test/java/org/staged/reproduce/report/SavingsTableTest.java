package org.staged.reproduce.report;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.staged.eval.compute.Savings;
import org.staged.models.train.TrainLog;
import org.staged.reproduce.pipeline.Results;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.preset.Preset;
import org.testng.annotations.Test;

public class SavingsTableTest {
    private static final Preset.Target TARGET = new Preset.Target("base", "micro", null, null, null, null, 400,
            List.of(50L, 200L, 400L));

    /** The target's curve: L(s) = 2 + 20·s^−0.5 at step s of its schedule. */
    private static double target(double s) {
        return 2 + 20 / Math.sqrt(s);
    }

    /**
     * Rows every 10 steps from schedule step {@code from} to {@code to}: loss {@code f}, per-batch noise of size
     * {@code noise}, compute {@code flopsStart + flopsPerStep·(s − from)}.
     */
    private static List<TrainLog.Row> curve(long from, long to, double flopsPerStep, double flopsStart,
                                            java.util.function.DoubleUnaryOperator f, double noise, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<TrainLog.Row> rows = new ArrayList<>();
        for (long s = from + 10; s <= to; s += 10) {
            double l = f.applyAsDouble(s);
            double[] b = new double[8];
            double sum = 0;
            for (int j = 0; j < b.length; j++) {
                b[j] = l + noise * rng.nextGaussian();
                sum += b[j];
            }
            rows.add(new TrainLog.Row(s - from, 0, flopsStart + flopsPerStep * (s - from), l, sum / b.length, 1e-3, b));
        }
        return rows;
    }

    /**
     * A baseline on the target's curve, and a run whose original (a quarter of the cost per step, half the
     * progress: L(s/2)) grows at step 150 and then follows the target's curve from step 75, where the target
     * had its loss.
     */
    private static Results.Block block(double noise) {
        Results.Curve baseline = new Results.Curve(curve(0, 400, 1e9, 0, SavingsTableTest::target, noise, 1), 0);
        List<TrainLog.Row> orig = curve(0, 150, 0.25e9, 0, s -> target(s / 2), noise, 2);
        TrainLog.Row pre = orig.get(orig.size() - 1);
        List<TrainLog.Row> grown = curve(75, 475, 1e9, pre.flops(), SavingsTableTest::target, noise, 3);
        Preset.GrownRun run = new Preset.GrownRun("2xW", Preset.Schedule.MANUAL, List.of("width"), false, false, 0);
        Results.Growth g = new Results.Growth("width", new Results.Point(pre, 150, 75, "test"),
                pre.valLoss(), target(75));
        Results.Staged s = new Results.Staged(run, List.of(new Results.Curve(orig, 0),
                new Results.Curve(grown, 75)), List.of(Path.of("o"), Path.of("g")), List.of(g), List.of());
        Map<String, Results.Staged> runs = new LinkedHashMap<>();
        runs.put(run.label(), s);
        return new Results.Block(TARGET, 1, baseline, List.of(), runs, Map.of(), Map.of());
    }

    @Test
    public void oneSeedGetsABootstrapIntervalOverValidationBatchesAroundItsSaving() {
        Results.Block b = block(0.05);
        Results.Staged s = b.runs().get("2xW-manual");
        Savings.Outcome o = SavingsTable.outcome(b, s, 400, SavingsTable.VALIDATION_LOSS);
        assertEquals(o.kind(), Savings.Kind.SAVED, o.toString());
        double[] ci = SavingsTable.bootstrap(b, s, 400);
        assertNotNull(ci);
        assertTrue(ci[0] <= o.percent() && o.percent() <= ci[1] && ci[1] - ci[0] > 0.1,
                o.percent() + " in [" + ci[0] + ", " + ci[1] + "]");
        String cell = SavingsTable.cell(List.of(b), "2xW-manual", 400, SavingsTable.VALIDATION_LOSS).markdown();
        assertTrue(cell.matches("-?[0-9.]+ \\[-?[0-9.]+, -?[0-9.]+\\]"), cell);
        // identical batches: nothing to resample, so the interval closes on the saving itself
        Results.Block quiet = block(0);
        double[] none = SavingsTable.bootstrap(quiet, quiet.runs().get("2xW-manual"), 400);
        double p = SavingsTable.outcome(quiet, quiet.runs().get("2xW-manual"), 400, SavingsTable.VALIDATION_LOSS)
                .percent();
        assertEquals(none[0], p, 1e-9);
        assertEquals(none[1], p, 1e-9);
    }

    @Test
    public void aRunThatDivergedBeforeReachingACheckpointIsMarkedSoNotMixedIn() {
        Results.Block b = block(0);
        Results.Staged whole = b.runs().get("2xW-manual");
        // the grown stage stopped at a non-finite loss at its step 60: rows up to 50 stay, nothing after
        Results.Curve grown = whole.segments().get(1);
        Results.Curve cut = new Results.Curve(grown.rows().stream().filter(r -> r.step() <= 50).toList(),
                grown.scheduleStart(), 60);
        Results.Staged s = new Results.Staged(whole.run(), List.of(whole.segments().get(0), cut), whole.dirs(),
                whole.growths(), List.of());
        Map<String, Results.Staged> runs = new LinkedHashMap<>();
        runs.put(s.run().label(), s);
        Results.Block d = new Results.Block(TARGET, 1, b.baseline(), List.of(), runs, Map.of(), Map.of());
        assertEquals(s.divergedAt(), 60L);
        assertEquals(SavingsTable.outcome(d, s, 50, SavingsTable.VALIDATION_LOSS).kind(), Savings.Kind.BEFORE_GROWTH,
                "what it reached before diverging still counts");
        assertEquals(SavingsTable.outcome(d, s, 400, SavingsTable.VALIDATION_LOSS).kind(), Savings.Kind.DIVERGED);
        assertEquals(SavingsTable.cell(List.of(d), "2xW-manual", 400, SavingsTable.VALIDATION_LOSS).markdown(),
                "diverged");
        assertTrue(SavingsTable.csv(List.of(d), SavingsTable.VALIDATION_LOSS).contains(",diverged,"));
        // the same run without the divergence: not reached, as before
        Results.Staged ended = new Results.Staged(whole.run(), List.of(whole.segments().get(0),
                new Results.Curve(cut.rows(), cut.scheduleStart())), whole.dirs(), whole.growths(), List.of());
        assertEquals(SavingsTable.outcome(d, ended, 400, SavingsTable.VALIDATION_LOSS).kind(), Savings.Kind.NOT_REACHED);
    }

    @Test
    public void aCheckpointTheOriginalReachedIsNotCredited() {
        Results.Block b = block(0);
        Results.Staged s = b.runs().get("2xW-manual");
        // the baseline's loss at step 50 is the original's at step 100, before it grows at 150
        Savings.Outcome o = SavingsTable.outcome(b, s, 50, SavingsTable.VALIDATION_LOSS);
        assertEquals(o.kind(), Savings.Kind.BEFORE_GROWTH, o.toString());
        assertTrue(SavingsTable.saved(b, s, 50, SavingsTable.VALIDATION_LOSS).isEmpty());
        assertEquals(SavingsTable.cell(List.of(b), "2xW-manual", 50, SavingsTable.VALIDATION_LOSS).markdown(),
                "before growth");
        // at step 200 the grown run needs 37.5 + 125 of the baseline's 200 units of compute: 18.75% saved
        assertEquals(SavingsTable.outcome(b, s, 200, SavingsTable.VALIDATION_LOSS).percent(), 18.75, 0.5);
        assertTrue(SavingsTable.csv(List.of(b), SavingsTable.VALIDATION_LOSS).contains(",before_growth,"));
    }

    @Test
    public void logsWithoutBatchLossesGiveNoInterval() {
        Results.Block b = block(0.05);
        List<TrainLog.Row> plain = b.baseline().rows().stream().map(r -> new TrainLog.Row(r.step(), r.tokens(),
                r.flops(), r.trainLoss(), r.valLoss(), r.lr())).toList();
        Results.Block old = new Results.Block(TARGET, 1, new Results.Curve(plain, 0), List.of(),
                b.runs(), Map.of(), Map.of());
        assertNull(SavingsTable.bootstrap(old, old.runs().get("2xW-manual"), 400));
    }

    @Test
    public void theProbeOfAGrownModelOnItsTargetsCurveIsOne() {
        Results.Block b = block(0);
        Dynamics.Probe p = Dynamics.probe(b, b.runs().get("2xW-manual"), 0);
        assertNotNull(p);
        // after growth the run follows the target's curve from where the target had its loss
        assertEquals(p.result().ratio(), 1.0, 1e-3);
        assertEquals(p.targetAtGrowthTarget(), target(75), 1e-3);
        assertEquals(p.result().lossLater(), target(125), 1e-9);
        assertEquals(p.result().targetLater(), target(125), 1e-3);
    }
}
