package org.staged.reproduce;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.staged.reproduce.preset.Preset;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** The main job end to end on generated data: tables, figures, loss-preserving growths, a real kill and resume. */
public class ReproduceTest {
    private Path data;
    private Path preset;
    private Path straight;

    @BeforeClass
    public void setUp() throws IOException {
        data = GeneratedData.withEvaluationFiles(GeneratedData.trainingText(3, 100, 150));
        preset = GeneratedData.microPreset("manual.2xW = width",
                "manual.2xW-matched = width(moments=matched, noise=0.05) @rewarm=8", "practical.2xD = depth",
                "practical.2x2xW = width; width", "ablation.stack-copy = stack-copy",
                "ablation.width-lr-restart = width @restart", "ablations.steps_fraction = 0.2");
        straight = Files.createTempDirectory("results");
        assertEquals(ReproduceMain.run(args(straight)), 0);
    }

    private String[] args(Path results) {
        return new String[] {"reproduce", "--preset", preset.toString(), "--data-dir", data.toString(), "--results",
            results.toString(), "--threads", "1", "-q"};
    }

    @Test
    public void writesEveryTableFigureAndTheReport() throws IOException {
        Path root = straight.resolve("micro");
        for (String f : List.of("REPORT.md", "table1.md", "table1.csv", "table2.md", "table2-wikitext.csv",
                "table2-lambada.csv", "table3.md", "table4.md", "appendix-d.md", "figure1-base.png", "figure2-base.png", "figure3-base.png")) {
            assertTrue(Files.size(root.resolve(f)) > 0, f);
        }
        List<String> t1 = Files.readAllLines(root.resolve("table1.csv"));
        assertEquals(t1.size(), 1 + 4 * 3, "four runs at three checkpoints");
        assertEquals(t1.get(0), "target,seed,group,run,checkpoint_step,baseline_value,outcome,percent_saved");
        for (String row : t1.subList(1, t1.size())) {
            assertTrue(row.matches(".*,(saved,-?[0-9.]+|before_growth,-?[0-9.]+|not_reached,)"), row);
        }
        String table1 = Files.readString(root.resolve("table1.md"));
        assertTrue(table1.contains("*before growth*: its original model reached") && table1.contains("running mean over 5"),
                table1);
        String report = Files.readString(root.resolve("REPORT.md"));
        assertTrue(report.contains("2x2xW") && report.contains("Against the paper") && report.contains("0.8286"), report);
        assertTrue(report.contains("Where the checkpoints sit (base): the baseline's slope at steps [12, 24, 40]"), report);
        assertTrue(report.contains("cosine decay to 10% over 400 steps"), "the preset's LR decay horizon");
        assertTrue(report.contains("## Training dynamics after growth") && report.contains("| dynamics ratio |"), report);
        assertTrue(report.contains("### Width variants against the paper's width (base, 1 seed)")
                && report.contains("| 2xW-matched | `width(moments=matched, noise=0.05)`, LR re-warmed over 8 steps |"),
                report);
        assertTrue(report.matches("(?s).*\\| base \\| 2xW \\| 0\\.00e\\+00 \\| [0-9.]+e-0[0-9] \\|.*"),
                "the paper's halves start equal and dropout moves them apart: " + report);
        JsonNode variant = new ObjectMapper().readTree(root.resolve(
                "runs/base/seed-1/2xW-matched-manual/stage-1/growth.json").toFile());
        assertEquals(variant.get("operator").asText(), "width(moments=matched, noise=0.05)");
        assertEquals(variant.get("lr_rewarm_steps").asLong(), 8L);
        List<org.staged.models.train.TrainLog.Row> rows = org.staged.models.train.TrainLog.read(root.resolve(
                "runs/base/seed-1/2xW-matched-manual/stage-1/log.csv"));
        assertEquals(rows.get(0).valBatches().length, 2, "each validation batch's loss is logged");
        assertTrue(rows.get(0).lr() < rows.get(1).lr(), "the LR is re-warmed after growth");
        JsonNode restart = new ObjectMapper().readTree(root.resolve(
                "runs/base/seed-1/ablation-width-lr-restart/stage-1/growth.json").toFile());
        assertEquals(restart.get("continued_at_step").asLong(), 0L, "the LR-restart ablation starts its schedule over");
    }

    @Test
    public void growthsPreserveTheLoss() throws IOException {
        List<JsonNode> growths = new ArrayList<>();
        try (Stream<Path> s = Files.walk(straight)) {
            for (Path g : s.filter(p -> p.getFileName().toString().equals("growth.json")).toList()) {
                JsonNode j = new ObjectMapper().readTree(g.toFile());
                if (j.isArray()) {   // a practical run: one staged run, all its growths in one file
                    assertTrue(g.getParent().getFileName().toString().endsWith("-practical"), g.toString());
                    j.forEach(growths::add);
                } else {
                    growths.add(j);
                }
            }
        }
        assertEquals(growths.size(), 7, "2xW, 2xW-matched, 2xD, the two growths of 2x2xW, and two ablations");
        for (JsonNode j : growths) {
            double before = j.get("loss_before").asDouble();
            double after = j.get("loss_after").asDouble();
            if (j.path("operator").asText().equals("stack-copy")) {
                assertTrue(Math.abs(after - before) > 1e-5 * before,
                        "stack-copy is not loss-preserving, beyond float32 rounding: " + j);
                continue;
            }
            assertEquals(after, before, 1e-5 * before, j + ": the grown model must keep the loss");
            assertTrue(j.has("step") ? j.get("schedule_after").asLong() >= 1 : j.get("growth_target_step").asLong() >= 1);
        }
    }

    @Test
    public void practicalRunsAreStagedRunsGrowingAtTheirOwnConstants() throws IOException {
        Path seed = straight.resolve("micro/runs/base/seed-1");
        JsonNode two = new ObjectMapper().readTree(seed.resolve("2x2xW-practical/growth.json").toFile());
        assertEquals(two.size(), 2);
        List<org.staged.models.train.TrainLog.Row> rows = org.staged.models.train.TrainLog.read(
                seed.resolve("2x2xW-practical/log.csv"));
        assertEquals(rows.get(rows.size() - 1).stage(), 3, "one log over the three stages");
        String appendixD = Files.readString(straight.resolve("micro/appendix-d.md"));
        // the two growths of 2x2xW each have constants of their own (d4 → d8 and d8 → d16)
        assertTrue(appendixD.contains("d4-h1-L4 → d8-h2-L4") && appendixD.contains("d8-h2-L4 → d16-h4-L4"), appendixD);
    }

    @Test
    public void aKilledRunResumesToTheSameTables() throws Exception {
        Path killed = Files.createTempDirectory("results");
        Path marker = killed.resolve("micro/runs/base/seed-1/2xD-practical/growth.json");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ReproduceMain.class.getName()));
        cmd.addAll(List.of(args(killed)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!Files.exists(marker) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor();                   // SIGKILL inside a staged run, after its growth
        assertTrue(Files.exists(marker), "the child was killed before it reached a grown run");
        assertFalse(Files.exists(killed.resolve("micro/REPORT.md")), "the child finished before it could be killed");
        assertEquals(ReproduceMain.run(args(killed)), 0);   // the same command resumes
        for (String f : List.of("table1.csv", "table2-wikitext.csv", "table2-lambada.csv", "appendix-d.md")) {
            assertEquals(Files.readString(killed.resolve("micro").resolve(f)),
                    Files.readString(straight.resolve("micro").resolve(f)), f);
        }
    }

    @Test
    public void missingDataStopsBeforeAnyRun() throws IOException {
        Path results = Files.createTempDirectory("results");
        Path partial = Files.createTempDirectory("data");
        Files.createDirectories(partial.resolve("train/demo"));
        Files.copy(data.resolve("train/demo/part-000.jsonl.gz"), partial.resolve("train/demo/part-000.jsonl.gz"));
        String[] a = args(results);
        a[4] = partial.toString();
        assertEquals(ReproduceMain.run(a), 1);
        assertFalse(Files.exists(results.resolve("micro/runs")), "no run may start when data is missing");
    }

    @Test
    public void presetIsPrintedForCopying() {
        assertTrue(Preset.text("cpu").contains("practical.2x2xD"));
    }

    @Test
    public void aDivergingBaselineStopsThePresetWithOneErrorNamingIt() throws IOException {
        Path diverging = Files.createTempDirectory("preset").resolve("micro-diverging.preset");
        Files.writeString(diverging, Files.readString(preset).replace("name = micro", "name = micro-diverging")
                .replace("train.lr = 0.003", "train.lr = 1000"));   // finite for a few rows, then NaN
        Path results = Files.createTempDirectory("results");
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        int code;
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            code = ReproduceMain.run("reproduce", "--preset", diverging.toString(), "--data-dir", data.toString(),
                    "--results", results.toString(), "--threads", "1", "-q");
        } finally {
            System.setErr(old);
        }
        String e = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(code, 1, e);
        assertTrue(e.contains("the baseline of target base, seed 1, diverged at step"), e);
        Path done = results.resolve("micro-diverging/runs/base/seed-1/baseline/done.json");
        assertTrue(Files.readString(done).contains("\"diverged_at\""), "the run folder records where it diverged");
    }
}
