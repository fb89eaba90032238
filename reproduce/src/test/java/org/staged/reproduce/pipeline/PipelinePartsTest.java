package org.staged.reproduce.pipeline;

import org.staged.run.Plan;
import org.staged.run.Shapes;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.ArrayList;
import java.util.List;
import org.staged.api.ModelConfig;
import org.staged.api.growth.GrowthOperators;
import org.staged.models.train.TrainLog;
import org.testng.annotations.Test;

public class PipelinePartsTest {
    private static final ModelConfig TARGET = ModelConfig.preset("tiny");   // 4 layers × 128, 4 heads
    private static final GrowthOperators OPS = GrowthOperators.discover();

    @Test
    public void originalsAreTheShapesTheOperatorsGrowFrom() {
        ModelConfig w = Shapes.original(OPS, "width", TARGET);
        assertEquals(List.of(w.dModel(), w.nHead(), w.nLayer(), w.dFf()), List.of(64, 2, 4, 256));
        ModelConfig d = Shapes.original(OPS, "depth", TARGET);
        assertEquals(List.of(d.dModel(), d.nLayer()), List.of(128, 2));
        ModelConfig ww = Shapes.original(OPS, "width,width", TARGET);
        assertEquals(ww.dModel(), 32);
        ModelConfig dw = Shapes.original(OPS, "depth,width", TARGET);
        assertEquals(List.of(dw.dModel(), dw.nLayer()), List.of(64, 2));
        ModelConfig ffn = Shapes.original(OPS, "ffn-share", TARGET);
        assertEquals(List.of(ffn.dModel(), ffn.dFf()), List.of(128, 256), "Gu et al. widen the MLP alone");
        assertEquals(Shapes.original(OPS, "stack-copy", TARGET).nLayer(), 2);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> Shapes.original(OPS, "depth", TARGET.withLayers(3)));
        assertTrue(e.getMessage().contains("depth"), e.getMessage());
        assertEquals(Plan.kind(dw, TARGET), "depth,width");
        assertEquals(Plan.kind(ffn, TARGET), "width");
        assertEquals(Plan.kind(d, TARGET), "depth");
        assertEquals(Reproduction.pair(w, TARGET), "d64-h2-L4 → d128-h4-L4", "each growth has its own constants");
        assertEquals(Reproduction.pair(ffn, TARGET), "d128-h4-L4-ff256 → d128-h4-L4");
    }

    @Test
    public void runPoolKeepsTaskOrderAndReportsTheFirstFailure() {
        for (int workers : new int[] {1, 2}) {
            try (RunPool pool = new RunPool(workers)) {
                assertEquals(pool.slots(), workers);
                List<RunExecutor.Job<Integer>> tasks = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    int k = i;
                    tasks.add(RunPoolTest.job(() -> {
                        Thread.sleep(5L * (6 - k));   // later tasks finish first
                        return k * k;
                    }));
                }
                assertEquals(pool.all(tasks), List.of(0, 1, 4, 9, 16, 25));
                List<RunExecutor.Job<Integer>> failing = List.of(RunPoolTest.job(() -> 1), RunPoolTest.job(() -> {
                    throw new IllegalArgumentException("run two failed");
                }), RunPoolTest.job(() -> 3));
                IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> pool.all(failing));
                assertEquals(e.getMessage(), "run two failed");
            }
        }
    }

    /** L(S) = 2 + 10·S^−0.5 logged every 10 steps: d ln L / d ln S = −0.5·(L − 2)/L. */
    private static Results.Curve powerLaw(long start, int rows) {
        List<TrainLog.Row> out = new ArrayList<>();
        for (int i = 1; i <= rows; i++) {
            long s = start + 10L * i;
            double l = 2 + 10 * Math.pow(s, -0.5);
            out.add(new TrainLog.Row(10L * i, 0, 1e9 * i, l, l, 1e-3));
        }
        return new Results.Curve(out, start);
    }

    @Test
    public void ablationsGrowWhereTheSlopeReachesTauAndContinueAtRhoTimesS() {
        Results.Curve c = powerLaw(0, 200);
        // the exact slope reaches −0.1 where 10·S^−0.5 = 0.5 (L − 2 = L/5 ⇒ L = 2.5): S = 400, found within 5%
        Results.Point p = Reproduction.practicalPoint(c, -0.1, 0.55, 20, 10_000);
        assertTrue(p.preGrowthSchedule() >= 380 && p.preGrowthSchedule() <= 420, "PRE-GROWTH at " + p.preGrowthSchedule());
        assertEquals(p.growthTarget(), Math.round(0.55 * p.preGrowthSchedule()));
        Results.Point late = Reproduction.practicalPoint(c, -0.001, 0.5, 20, 10_000);
        assertEquals(late.preGrowth(), c.last(), "without a crossing the parent grows at the end of its log");
        assertTrue(late.how().contains("never reached"), late.how());
    }

    @Test
    public void slopesOfAGrownStageUseItsPositionOnTheTargetSchedule() {
        // the same curve, logged by a stage that started at step 300 of the schedule
        Results.Point p = Reproduction.practicalPoint(powerLaw(300, 100), -0.1, 0.5, 20, 10_000);
        assertTrue(p.preGrowthSchedule() >= 380 && p.preGrowthSchedule() <= 420, "reached at schedule step "
                + p.preGrowthSchedule());
    }

    @Test
    public void thePlannedWorkCountsTheTokenizersVocabulary() {
        org.staged.reproduce.preset.Preset p = org.staged.reproduce.preset.Preset.load("width-study");
        org.staged.api.ModelConfig target = p.targets().get(0).config().withVocabSize(1024);   // bpe:1024
        double runs = Progress.planned(p, org.staged.api.growth.GrowthOperators.discover())
                / (target.trainingFlopsPerToken(target.contextLength()) * p.targets().get(0).steps());
        // three seeds of a baseline and six grown runs at the target's size, plus two smaller originals each
        assertTrue(runs > 3 * 7 && runs < 3 * 9, "planned work of " + runs + " target-sized runs");
    }
}
