package org.staged.run;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.staged.api.ModelConfig;
import org.staged.models.AdamConfig;
import org.staged.models.train.TrainConfig;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.schedule.PracticalConstants;
import org.staged.schedule.SlopeMonitor;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class StagedRunTest {
    private static final String STAGES = "width; depth";
    private static final double TAU_G = -0.15;

    private static StagedRun.Outcome run(Path dir, PracticalConstants c, Budget budget) {
        return MicroRun.run(dir, STAGES, c, budget).run(() -> MicroRun.original(original()));
    }

    private static ModelConfig original() {
        return Plan.of(MicroRun.OPS, MicroRun.TARGET, STAGES, MicroRun.constants(-0.1, -0.1), "test").shapes().get(0);
    }

    /**
     * The monitor's slope after each row of one stage, against the position on the schedule; NaN without one,
     * or (with {@code spanned}) before the monitor has seen a whole window.
     */
    private static List<Double> slopes(List<TrainLog.Row> rows, int stage, long scheduleStart, boolean spanned) {
        List<TrainLog.Row> mine = rows.stream().filter(r -> r.stage() == stage).toList();
        long start = rows.stream().filter(r -> r.stage() < stage).mapToLong(TrainLog.Row::step).max().orElse(0);
        SlopeMonitor m = new SlopeMonitor();
        List<Double> out = new ArrayList<>();
        for (TrainLog.Row r : mine) {
            long position = scheduleStart + r.step() - start;
            if (position > MicroRun.SCHEDULE.warmupSteps()) {
                m.add(position, r.valLoss());
            }
            out.add(spanned && !m.spanned() ? Double.NaN : m.slope().orElse(Double.NaN));
        }
        return out;
    }

    @Test
    public void growsWhereTheSlopeCrossesTauGrowthAndStopsAtTauOpt() throws IOException {
        Path dir = Files.createTempDirectory("staged");
        double tauOpt = -0.05;
        StagedRun.Outcome o = run(dir, MicroRun.constants(TAU_G, tauOpt), Budget.NONE);
        List<TrainLog.Row> rows = TrainLog.read(dir.resolve(Trainer.LOG));

        assertEquals(o.growths().size(), 2);
        assertEquals(o.ended(), StagedRun.End.OPTIMALITY);
        assertEquals(o.stage(), 3);
        // stage 1: PRE-GROWTH is the first row where the slope over a whole window reaches τ_G
        List<Double> s1 = slopes(rows, 1, 0, true);
        StagedRun.Growth g1 = o.growths().get(0);
        int at = (int) rows.stream().filter(r -> r.stage() == 1 && r.step() <= g1.step()).count() - 1;
        assertEquals(g1.reason(), StagedRun.End.TAU_GROWTH);
        assertTrue(s1.get(at) >= TAU_G, "slope " + s1.get(at) + " at PRE-GROWTH");
        assertTrue(s1.subList(0, at).stream().noneMatch(s -> s >= TAU_G), "the growth came at the first crossing: "
                + s1.subList(0, at + 1));
        assertTrue(s1.subList(0, at).stream().anyMatch(s -> s < TAU_G), "the slope was steeper than τ_G before");
        assertEquals(g1.tauMeasured(), s1.get(at), 1e-12);
        // GROWTH-TARGET = ρ·S, and the growth preserved the loss
        for (StagedRun.Growth g : o.growths()) {
            assertEquals(g.scheduleAfter(), Math.round(g.rho() * g.scheduleBefore()));
            assertEquals(g.lossAfter(), g.lossBefore(), 1e-5 * g.lossBefore(), g.spec() + " keeps the loss");
        }
        // the last stage ended at the first row whose slope reached τ_opt
        StagedRun.Growth g2 = o.growths().get(1);
        List<Double> s3 = slopes(rows, 3, g2.scheduleAfter(), false);
        assertTrue(s3.get(s3.size() - 1) >= tauOpt);
        assertTrue(s3.subList(0, s3.size() - 1).stream().noneMatch(s -> s >= tauOpt), "stopped late: " + s3);

        // one log over every stage, steps and compute counted across them
        assertEquals(rows.stream().mapToInt(TrainLog.Row::stage).distinct().boxed().toList(), List.of(1, 2, 3));
        for (int i = 1; i < rows.size(); i++) {
            assertTrue(rows.get(i).step() > rows.get(i - 1).step() && rows.get(i).flops() > rows.get(i - 1).flops());
            assertTrue(rows.get(i).stage() >= rows.get(i - 1).stage());
        }
        TrainLog.Row last = rows.get(rows.size() - 1);
        TrainLog.Row prev = rows.get(rows.size() - 2);
        double perStep = 4.0 * 16 * MicroRun.TARGET.trainingFlopsPerToken(16);
        assertEquals((last.flops() - prev.flops()) / (last.step() - prev.step()), perStep, 1e-3 * perStep);   // 7 digits logged
        assertEquals(o.step(), last.step());

        // the checkpoint's provenance
        JsonNode p = Checkpoint.load(dir.resolve(Trainer.CHECKPOINT)).extra().get("provenance");
        assertEquals(p.get("operator_chain").toString(), "[\"width\",\"depth\"]");
        assertEquals(p.get("growths").get(1).get("rho").asDouble(), 0.7);
        assertEquals(p.get("growths").get(0).get("tau_measured").asDouble(), g1.tauMeasured(), 1e-12);
        assertFalse(p.get("version").asText().isEmpty());
        assertEquals(p.get("plan_sha256").asText().length(), 64);

        // a rerun finds it done
        assertEquals(run(dir, MicroRun.constants(TAU_G, tauOpt), Budget.NONE), o);
    }

    @Test
    public void aBudgetEndsTheRunInStepsTokensOrPfDays() throws IOException {
        ModelConfig small = original();
        double perStep = 4.0 * 16 * small.trainingFlopsPerToken(16);
        PracticalConstants never = MicroRun.constants(-50, Double.NaN);
        for (Budget b : List.of(new Budget(30L, null, null), new Budget(null, 30L * 64, null),
                new Budget(null, null, 30.5 * perStep / 8.64e19))) {
            Path dir = Files.createTempDirectory("staged");
            StagedRun.Outcome o = run(dir, never, b);
            assertEquals(o.ended(), StagedRun.End.BUDGET, b.toString());
            assertEquals(o.step(), 30, b.toString());
            assertEquals(o.stage(), 1);
        }
    }

    @Test
    public void aStageCapGrowsThereAndSaysSo() throws IOException {
        Path dir = Files.createTempDirectory("staged");
        StagedRun.Outcome o = MicroRun.run(dir, STAGES, MicroRun.constants(-50, Double.NaN), new Budget(60L, null, null))
                .stageCap(20).run(() -> MicroRun.original(original()));
        assertEquals(o.growths().get(0).reason(), StagedRun.End.STAGE_CAP);
        assertEquals(o.growths().get(0).step(), 20);
        assertEquals(o.growths().get(1).step(), 40);   // still in warmup: no slope yet
        assertEquals(o.growths().get(1).reason(), StagedRun.End.STAGE_CAP);
        assertEquals(o.ended(), StagedRun.End.BUDGET);
        assertTrue(Files.readString(dir.resolve(StagedRun.GROWTHS)).contains("STAGE_CAP"));
    }

    @Test
    public void perSizeLrGivesEachStageItsOwnPeak() throws IOException {
        Path dir = Files.createTempDirectory("staged");
        StagedRun run = MicroRun.run(dir, STAGES, MicroRun.constants(-50, Double.NaN), new Budget(50L, null, null))
                .stageCap(20).perSizeLr().keepSnapshots();
        List<ModelConfig> shapes = Plan.of(MicroRun.OPS, MicroRun.TARGET, STAGES, MicroRun.constants(-0.1, -0.1), "test")
                .shapes();
        for (int k = 1; k <= 3; k++) {
            assertEquals(run.schedule(k).peakLr(), 0.003239 - 0.0001395 * Math.log10(shapes.get(k - 1).nonEmbeddingParams()),
                    1e-15);
            assertEquals(run.schedule(k).totalSteps(), MicroRun.SCHEDULE.totalSteps());
        }
        assertTrue(run.schedule(1).peakLr() > run.schedule(2).peakLr(), "a smaller model gets a larger LR");
        run.run(() -> org.staged.api.TrainingState.fresh(shapes.get(0),
                org.staged.models.GptInit.init(shapes.get(0), 1, org.nd4j.linalg.api.buffer.DataType.FLOAT),
                run.schedule(1)));
        assertEquals(Checkpoint.load(Trainer.snapshot(dir, 20)).state().schedule().peakLr(), run.schedule(1).peakLr());
        assertEquals(Checkpoint.load(dir.resolve(Trainer.CHECKPOINT)).state().schedule().peakLr(),
                run.schedule(3).peakLr(), "the last grown model continues on its target's peak");
        assertTrue(Files.readString(dir.resolve(StagedRun.PLAN)).contains("kaplan"));
    }

    @Test
    public void aResumeWithAnotherPlanIsRefusedNamingTheDifference() throws IOException {
        Path dir = Files.createTempDirectory("staged");
        run(dir, MicroRun.constants(TAU_G, Double.NaN), new Budget(8L, null, null));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> MicroRun.run(dir, "depth; width",
                MicroRun.constants(TAU_G, Double.NaN), new Budget(8L, null, null)).run(() -> null));
        assertTrue(e.getMessage().contains("stages: saved \"width; depth\", now \"depth; width\""), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> run(dir, MicroRun.constants(-0.2, Double.NaN),
                new Budget(8L, null, null)));
        assertTrue(e.getMessage().contains("growths[0].tau_growth: saved -0.15, now -0.2"), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> run(dir, MicroRun.constants(TAU_G, -0.05),
                new Budget(8L, null, null)));
        assertTrue(e.getMessage().contains("tau_opt: saved null, now -0.05"), e.getMessage());
    }

    @Test
    public void aFirstStageAdoptedFromAFromScratchRunEndsInTheSameState() throws IOException {
        ModelConfig small = original();
        Path scratch = Files.createTempDirectory("original");
        new Trainer(new TrainConfig(4, 200, 2, 2, 2, 42, 0.1, 0.1), AdamConfig.defaults(), MicroRun.stream(6000, 1),
                MicroRun.stream(800, 2), scratch, false).keepSnapshots().run(MicroRun.original(small), 0, 0);
        Path trained = Files.createTempDirectory("staged");
        Path adopted = Files.createTempDirectory("staged");
        PracticalConstants c = MicroRun.constants(TAU_G, Double.NaN);
        StagedRun.Outcome a = MicroRun.run(trained, STAGES, c, new Budget(200L, null, null)).stageCap(200)
                .run(() -> MicroRun.original(small));
        StagedRun.Outcome b = MicroRun.run(adopted, STAGES, c, new Budget(200L, null, null)).stageCap(200)
                .keepSnapshots().adoptFirstStage(scratch).run(() -> MicroRun.original(small));
        assertEquals(b, a);
        for (String f : List.of(Trainer.LOG, StagedRun.GROWTHS, StagedRun.DONE)) {
            assertEquals(Files.readString(adopted.resolve(f)), Files.readString(trained.resolve(f)), f);
        }
        var x = Checkpoint.load(trained.resolve(Trainer.CHECKPOINT)).state();
        var y = Checkpoint.load(adopted.resolve(Trainer.CHECKPOINT)).state();
        for (String k : x.params().keySet()) {
            assertEquals(y.params().get(k).ravel().toFloatVector(), x.params().get(k).ravel().toFloatVector(), k);
            assertEquals(y.adamV().get(k).ravel().toFloatVector(), x.adamV().get(k).ravel().toFloatVector(), k);
        }
        assertTrue(Files.exists(Trainer.snapshot(adopted, a.growths().get(0).step())), "PRE-GROWTH snapshot kept");
        assertEquals(Checkpoint.load(adopted.resolve(Trainer.CHECKPOINT)).extra().get("provenance")
                .get("first_stage_from").asText(), scratch.toString());
    }

    @DataProvider
    public Object[][] haltPoints() {
        // in stage 1 (after the checkpoint at 60), at the growth (in memory, recorded, its checkpoint written),
        // and in stage 2 and 3
        return new Object[][] {{"row:62"}, {"grown"}, {"recorded"}, {"boundary"}, {"row:164"}, {"row:180"}};
    }

    @Test(dataProvider = "haltPoints")
    public void aRunKilledAnywhereResumesToTheSameState(String point) throws Exception {
        Path straight = straight();
        Path killed = Files.createTempDirectory("staged");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + StagedRun.HALT_AT + "=" + point, "-cp", System.getProperty("java.class.path"),
                MicroRun.class.getName(), killed.toString(), Double.toString(TAU_G), "200");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child did not halt");
        assertEquals(p.exitValue(), 137, "the child halted at " + point);
        assertFalse(Files.exists(killed.resolve(StagedRun.DONE)));

        MicroRun.main(new String[] {killed.toString(), Double.toString(TAU_G), "200"});   // the same command again
        for (String f : List.of(Trainer.LOG, StagedRun.GROWTHS, StagedRun.DONE)) {
            assertEquals(Files.readString(killed.resolve(f)), Files.readString(straight.resolve(f)), f);
        }
        assertEquals(Files.readAllBytes(killed.resolve(Trainer.CHECKPOINT)),
                Files.readAllBytes(straight.resolve(Trainer.CHECKPOINT)), "final checkpoint");
    }

    private static Path straightDir;

    private static synchronized Path straight() throws IOException {
        if (straightDir == null) {
            straightDir = Files.createTempDirectory("staged");
            MicroRun.main(new String[] {straightDir.toString(), Double.toString(TAU_G), "200"});
            List<TrainLog.Row> rows = TrainLog.read(straightDir.resolve(Trainer.LOG));
            // the halt points must fall where the data provider says
            String stages = rows.stream().filter(r -> List.of(62L, 164L, 180L).contains(r.step()))
                    .map(r -> r.stage() + "").reduce("", String::concat);
            assertEquals(stages, "123", "stages of rows 62, 164 and 180 in " + rows.stream().map(r -> r.stage() + ":"
                    + r.step()).toList());
        }
        return straightDir;
    }

    @Test
    public void aDivergingStageEndsTheRunAsDivergedOnlyWhenAskedTo() throws IOException {
        // a peak LR of 1e4: finite for the first rows, then a non-finite loss
        org.staged.api.LrSchedule wild = org.staged.api.LrSchedule.cosine(1e4, 30, 240);
        Plan plan = Plan.of(MicroRun.OPS, MicroRun.TARGET, "width", MicroRun.constants(-1e-9, Double.NaN), "test");
        java.util.function.Function<Path, StagedRun> make = dir -> new StagedRun(plan, wild,
                new TrainConfig(4, 1, 2, 2, 4, 42, 0, 0), AdamConfig.defaults(), MicroRun.stream(6000, 1),
                MicroRun.stream(800, 2), dir, false, MicroRun.OPS).budget(new Budget(200L, null, null));
        java.util.function.Supplier<org.staged.api.TrainingState> first = () -> org.staged.api.TrainingState.fresh(
                plan.shapes().get(0), org.staged.models.GptInit.init(plan.shapes().get(0), 5,
                        org.nd4j.linalg.api.buffer.DataType.FLOAT), wild);
        Path single = Files.createTempDirectory("run");
        expectThrows(org.staged.models.train.DivergenceException.class, () -> make.apply(single).run(first));

        Path pipeline = Files.createTempDirectory("run");
        List<String> said = new ArrayList<>();
        StagedRun.Outcome o = make.apply(pipeline).endOnDivergence().status(said::add).run(first);
        assertEquals(o.ended(), StagedRun.End.DIVERGED);
        assertTrue(Double.isFinite(o.valLoss()), "the outcome is the last good row's");
        assertTrue(said.stream().anyMatch(l -> l.contains("diverged at step")), said.toString());
        assertTrue(Files.exists(pipeline.resolve(StagedRun.DONE)));
        assertEquals(make.apply(pipeline).endOnDivergence().run(first), o, "a finished run is read back");
    }
}
