package org.staged.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.reproduce.GeneratedData;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** The command line end to end on a generated data directory, including a real kill and resume. */
public class StagedCliTest {
    private Path data;

    @BeforeClass
    public void makeData() throws IOException {
        data = GeneratedData.trainingText(1, 200, 120);
    }

    private List<String> trainArgs(Path out, int steps) {
        return List.of("train", "-c", "micro", "--data-dir", data.toString(), "--sources", "demo", "--steps",
                Integer.toString(steps), "--batch", "4", "--eval-every", "2", "--checkpoint-every", "4",
                "--eval-batches", "2", "--val-fraction", "0.1", "--threads", "1", "-q", "-o", out.toString());
    }

    @Test
    public void trainWithDropoutRunsAndBadDropoutIsRefused() throws IOException {
        Path out = Files.createTempDirectory("run");
        List<String> a = new ArrayList<>(trainArgs(out, 4));
        a.addAll(List.of("--dropout", "0.1"));
        assertEquals(StagedCli.run(a.toArray(String[]::new)), 0);
        assertTrue(Files.readString(out.resolve(TrainJob.OPTIONS)).contains("\"dropout\" : 0.1"));
        a.set(a.size() - 1, "1.5");
        assertEquals(StagedCli.run(a.toArray(String[]::new)), 1);
    }

    @Test
    public void trainWritesALogWithFallingLoss() throws IOException {
        Path out = Files.createTempDirectory("run");
        assertEquals(StagedCli.run(trainArgs(out, 40).toArray(String[]::new)), 0);
        List<TrainLog.Row> rows = TrainLog.read(out.resolve(Trainer.LOG));
        assertEquals(rows.size(), 20);
        assertTrue(rows.get(19).valLoss() < rows.get(0).valLoss(), "validation loss should fall");
        assertTrue(Files.exists(out.resolve(Trainer.CHECKPOINT)) && Files.exists(out.resolve(TrainJob.OPTIONS)));
    }

    @Test
    public void evalReportsAllThreeTasks() throws IOException {
        Files.createDirectories(data.resolve("wikitext"));
        Files.writeString(data.resolve("wikitext/wiki.test.raw"), " = Title = \n the cat sat on the mat .\n".repeat(20));
        Files.createDirectories(data.resolve("lambada"));
        Files.writeString(data.resolve("lambada/lambada_test.jsonl"),
                "{\"text\": \"the dog ran to its log\"}\n{\"text\": \"a cat sat on a mat\"}\n");
        Path out = Files.createTempDirectory("run");
        assertEquals(StagedCli.run(trainArgs(out, 4).toArray(String[]::new)), 0);
        Path json = out.resolve("eval.json");
        assertEquals(StagedCli.run("eval", "--checkpoint", out.resolve(Trainer.CHECKPOINT).toString(), "--data-dir",
                data.toString(), "--json", json.toString(), "-q", "--threads", "1"), 0);
        var r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertTrue(r.get("val_loss").asDouble() > 0 && r.get("wikitext103_token_ppl").asDouble() > 1, r.toString());
        assertEquals(r.get("lambada_passages").asInt(), 2);
        assertTrue(r.get("flops").asDouble() > 0);
        assertEquals(StagedCli.run("eval", "--checkpoint", out.resolve(Trainer.CHECKPOINT).toString(), "--data-dir",
                data.toString(), "--tasks", "val,hellaswag", "-q"), 1);
    }

    @Test
    public void missingDataDirectoryIsOneClearError() throws IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        Path out = Files.createTempDirectory("run").resolve("never");
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = new picocli.CommandLine(new StagedCli()).setErr(new java.io.PrintWriter(System.err, true))
                    .setExecutionExceptionHandler((e, cmd, p) -> {
                        cmd.getErr().println(e.getMessage());
                        return 1;
                    }).execute("train", "--data-dir", "/no/such/dir", "-o", out.toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(code, 1);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("STAGED_DATA_DIR"), err.toString());
        assertTrue(!Files.exists(out), "nothing written before the data check");
    }

    @Test
    public void aStagedRunGrowsTwiceAndRefusesAnotherPlanOnResume() throws IOException {
        Path out = Files.createTempDirectory("run");
        List<String> a = new ArrayList<>(trainArgs(out, 60));
        a.addAll(List.of("--stages", "width; depth", "--tau-growth", "-0.3,-0.3", "--tau-opt", "none",
                "--budget-steps", "44"));
        assertEquals(StagedCli.run(a.toArray(String[]::new)), 0);
        List<TrainLog.Row> rows = TrainLog.read(out.resolve(Trainer.LOG));
        assertEquals(rows.stream().map(TrainLog.Row::stage).distinct().toList(), List.of(1, 2, 3));
        assertEquals(rows.get(rows.size() - 1).step(), 44);
        var growths = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("growth.json").toFile());
        assertEquals(growths.size(), 2);
        assertEquals(growths.get(1).get("spec").asText(), "depth");
        assertTrue(Files.readString(out.resolve("done.json")).contains("BUDGET"));

        a.set(a.indexOf("width; depth"), "depth; width");
        Object[] refused = Cli.err(a.toArray(String[]::new));
        assertEquals(refused[0], 1);
        assertTrue(((String) refused[1]).contains("staging.stages: saved \"width; depth\", now "
                + "\"depth; width\""), (String) refused[1]);
    }

    @Test
    public void changedOptionsOnResumeAreRefused() throws IOException {
        Path out = Files.createTempDirectory("run");
        assertEquals(StagedCli.run(trainArgs(out, 4).toArray(String[]::new)), 0);
        List<String> other = new ArrayList<>(trainArgs(out, 4));
        other.set(other.indexOf("--batch") + 1, "8");
        assertEquals(StagedCli.run(other.toArray(String[]::new)), 1);
    }

    @Test
    public void scheduleOptimalPrintsTables3And4AsCsv() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(StagedCli.run("schedule", "optimal", "--stages", "5", "--csv"), 0);
        } finally {
            System.setOut(old);
        }
        List<String> lines = List.of(out.toString(StandardCharsets.UTF_8).split("\\R"));
        assertEquals(lines.get(0), "stages,reduction_factor");
        assertTrue(lines.get(1).startsWith("5,0.77"), lines.get(1));
        assertEquals(lines.get(2), "stage,n_params,steps_cumulative,loss,compute_pf_days");
        assertEquals(lines.size(), 8);
        assertTrue(lines.get(7).startsWith("5,3.06"), lines.get(7));
        assertEquals(StagedCli.run("schedule", "optimal", "--stages", "0"), 1);
    }

    @Test
    public void scheduleEstimateReadsTwoTrainingLogsAndWritesAConstantsFile() throws IOException {
        Path dir = Files.createTempDirectory("logs");
        var law = org.staged.schedule.KaplanLaw.TABLE_5;
        for (double n : new double[] {2.5e7, 1e8}) {
            StringBuilder csv = new StringBuilder("step,tokens,flops,train_loss,val_loss,lr\n");   // an older log
            for (int i = 0; i < 50; i++) {
                double s = 200 * Math.pow(1.1, i);
                csv.append(String.format(java.util.Locale.ROOT, "%d,%d,%.6e,%.6f,%.6f,%.6e%n", (long) s, (long) s * 1000,
                        law.flops(n, (long) s, 3.0), law.loss(n, (long) s), law.loss(n, (long) s), 1e-3));
            }
            Files.writeString(dir.resolve(n + ".csv"), csv);
        }
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(StagedCli.run("schedule", "estimate", "--original", dir.resolve(2.5e7 + ".csv").toString(),
                    "--target", dir.resolve(1e8 + ".csv").toString(), "--out", dir.resolve("c.json").toString(),
                    "--kind", "depth"), 0);
        } finally {
            System.setOut(old);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("| PRE-GROWTH | original |") && text.contains("τ_opt = -0.069"), text);
        var c = org.staged.run.ConstantsFile.load(dir.resolve("c.json").toString());
        assertEquals(c.tauOpt(), -0.069, 5e-4);
        assertTrue(c.tauGrowth("depth") < 0 && c.rho("depth") > 0, c.toString());
    }

    @Test
    public void growCheckShowsThePapersWidthOffOnItsZeroBlocksAndMatchedMomentsExactEverywhere() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(StagedCli.run("grow", "check", "--op", "width;width(moments=matched)"), 0);
        } finally {
            System.setOut(old);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("| width | Eq. 5: g(G(φ)) = Gm(g(φ)) on new entries | no | no | 3072 new entries: "
                + "max error 1.00e+00"), text);
        assertTrue(text.contains("| width(moments=matched) | Eq. 5: g(G(φ)) = Gm(g(φ)) on new entries | yes | pass |"),
                text);
        assertTrue(text.matches("(?s).*\\| width \\| 0\\.0e\\+00 \\| attention \\| 1152 / 1024 \\| [0-9.e+-]+ / 1\\.0e\\+00 .*"),
                text);
        assertTrue(text.matches("(?s).*\\| width\\(moments=matched\\) \\| 0\\.0e\\+00 \\| MLP \\| 2208 / 2048 \\| "
                + "[0-9.]+e-1[0-9] / [0-9.]+e-1[0-9] .*"), text);
        // a growth that the operator cannot do is one clear error
        assertEquals(StagedCli.run("grow", "check", "--op", "width(moments=half)"), 1);
    }

    @Test
    public void grownCheckpointKeepsItsLossAndContinuesAtGrowthTarget() throws IOException {
        Path small = Files.createTempDirectory("run");
        assertEquals(StagedCli.run(trainArgs(small, 8).toArray(String[]::new)), 0);
        Path in = small.resolve(Trainer.CHECKPOINT);
        Path out = small.resolve("grown.safetensors");
        assertEquals(StagedCli.run("grow", "--op", "width(moments=matched),depth", "--in", in.toString(), "--out",
                out.toString(), "--rho", "0.5", "--target-steps", "100", "--rewarm", "3"), 0);
        var before = org.staged.models.train.Checkpoint.load(in).state();
        var after = org.staged.models.train.Checkpoint.load(out).state();
        assertEquals(after.config().dModel(), 2 * before.config().dModel());
        assertEquals(after.config().nLayer(), 2 * before.config().nLayer());
        assertEquals(after.scheduleStep(), 4);
        assertEquals(after.schedule().totalSteps(), 100);
        assertEquals(after.schedule().rewarmAt(), 4);
        assertEquals(after.schedule().rewarmSteps(), 3);
        var sc = after.schedule();
        assertEquals(after.lr(), new org.staged.api.LrSchedule(sc.peakLr(), sc.warmupSteps(), sc.totalSteps(),
                sc.decay(), sc.minRatio()).lr(4) / 3, 1e-12);   // first step of the re-warmup
        assertEquals(after.step(), before.step());
        var rng = new SplittableRandom(2);
        int[][] x = new int[2][8];
        for (int[] r : x) {
            for (int j = 0; j < 8; j++) {
                r[j] = rng.nextInt(before.config().vocabSize());
            }
        }
        var idx = org.nd4j.linalg.factory.Nd4j.createFromArray(x);
        double l0 = new org.staged.models.Gpt(before.config(), before.params()).loss(idx, idx);
        double l1 = new org.staged.models.Gpt(after.config(), after.params()).loss(idx, idx);
        assertEquals(l1, l0, 1e-6 * l0);
        // and training continues from it
        Path cont = Files.createTempDirectory("run");
        List<String> args = new ArrayList<>(trainArgs(cont, 4));
        args.addAll(List.of("--init", out.toString()));
        assertEquals(StagedCli.run(args.toArray(String[]::new)), 0);
        assertEquals(TrainLog.read(cont.resolve(Trainer.LOG)).size(), 2);
    }

    @Test
    public void killedTrainingResumesBitIdentically() throws Exception {
        Path straight = Files.createTempDirectory("run");
        assertEquals(StagedCli.run(trainArgs(straight, 60).toArray(String[]::new)), 0);

        Path killed = Files.createTempDirectory("run");
        Process p = child(trainArgs(killed, 60));
        Path ckpt = killed.resolve(Trainer.CHECKPOINT);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(ckpt) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor();                   // SIGKILL, mid-run
        assertTrue(Files.exists(ckpt), "child wrote no checkpoint before it was killed");
        int rowsAtKill = TrainLog.read(killed.resolve(Trainer.LOG)).size();
        assertTrue(rowsAtKill < 30, "child finished before it could be killed (" + rowsAtKill + " rows)");

        assertEquals(StagedCli.run(trainArgs(killed, 60).toArray(String[]::new)), 0);   // same command resumes
        assertEquals(Files.readAllLines(killed.resolve(Trainer.LOG)), Files.readAllLines(straight.resolve(Trainer.LOG)));
        assertEquals(Files.readAllBytes(ckpt), Files.readAllBytes(straight.resolve(Trainer.CHECKPOINT)));
    }



    @Test
    public void aDivergingRunStopsWithOneErrorAndWritesNoNaNCheckpoint() throws IOException {
        Path out = Files.createTempDirectory("run");
        List<String> a = new ArrayList<>(trainArgs(out, 40));
        a.addAll(List.of("--lr", "1e6"));
        Object[] r = Cli.err(a.toArray(String[]::new));
        assertEquals(r[0], 1, (String) r[1]);
        assertTrue(((String) r[1]).matches("(?s)staged train: error: the run diverged at step \\d+: .*"), (String) r[1]);
        if (Files.exists(out.resolve(Trainer.CHECKPOINT))) {   // one written before the divergence loads and is finite
            var p = org.staged.models.train.Checkpoint.load(out.resolve(Trainer.CHECKPOINT)).state().params();
            p.values().forEach(x -> assertTrue(org.nd4j.linalg.indexing.BooleanIndexing.and(x,
                    org.nd4j.linalg.indexing.conditions.Conditions.isFinite())));
        }
        for (TrainLog.Row row : TrainLog.read(out.resolve(Trainer.LOG))) {
            assertTrue(Double.isFinite(row.valLoss()), "NaN logged at step " + row.step());
        }
    }

    @Test
    public void lrKaplanGivesTheModelItsSizesPeakAndABadLrIsRefused() throws IOException {
        Path out = Files.createTempDirectory("run");
        List<String> a = new ArrayList<>(trainArgs(out, 4));
        a.addAll(List.of("--lr", "kaplan"));
        assertEquals(StagedCli.run(a.toArray(String[]::new)), 0);
        var s = org.staged.models.train.Checkpoint.load(out.resolve(Trainer.CHECKPOINT)).state();
        assertEquals(s.schedule().peakLr(), 0.003239 - 0.0001395 * Math.log10(s.config().nonEmbeddingParams()), 1e-15);
        Path bad = Files.createTempDirectory("run").resolve("never");
        a = new ArrayList<>(trainArgs(bad, 4));
        a.addAll(List.of("--lr", "fast"));
        Object[] r = Cli.err(a.toArray(String[]::new));
        assertEquals(r[0], 1);
        assertTrue(((String) r[1]).contains("--lr fast: expected a positive number or 'kaplan'"), (String) r[1]);
        assertTrue(!Files.exists(bad), "nothing written");
    }

    @Test
    public void anOutputThatWouldReplaceItsInputIsRefused() throws IOException {
        Path run = Files.createTempDirectory("run");
        assertEquals(StagedCli.run(trainArgs(run, 4).toArray(String[]::new)), 0);
        Path ckpt = run.resolve(Trainer.CHECKPOINT);
        byte[] before = Files.readAllBytes(ckpt);
        Object[] r = Cli.err("grow", "--op", "width", "--in", ckpt.toString(), "--out",
                run.resolve(".").resolve(Trainer.CHECKPOINT).toString());
        assertEquals(r[0], 1);
        assertTrue(((String) r[1]).contains("--out") && ((String) r[1]).contains("same file as --in"), (String) r[1]);
        assertEquals(Files.readAllBytes(ckpt), before, "the input is left as it was");
        // training from a checkpoint into the run folder that holds it would overwrite it too
        List<String> a = new ArrayList<>(trainArgs(run, 4));
        a.addAll(List.of("--init", ckpt.toString()));
        r = Cli.err(a.toArray(String[]::new));
        assertEquals(r[0], 1);
        assertTrue(((String) r[1]).contains("same file as --init"), (String) r[1]);
        assertEquals(Files.readAllBytes(ckpt), before);
    }

    @Test
    public void microBatchesTrainLikeWholeBatchesAndTheChoiceIsPrinted() throws IOException {
        Path whole = Files.createTempDirectory("run");
        List<String> a = new ArrayList<>(trainArgs(whole, 8));
        a.addAll(List.of("--micro-batch", "4"));
        assertEquals(StagedCli.run(a.toArray(String[]::new)), 0);
        Path split = Files.createTempDirectory("run");
        a = new ArrayList<>(trainArgs(split, 8));
        a.addAll(List.of("--micro-batch", "2"));
        Object[] printed = Cli.out(a.toArray(String[]::new));
        assertEquals(printed[0], 0);
        assertTrue(((String) printed[1]).contains("micro-batch 2 × 2 pass(es) per step (given)"), (String) printed[1]);
        assertTrue(Files.readString(split.resolve(TrainJob.OPTIONS)).contains("\"microBatch\" : 2"));
        List<TrainLog.Row> w = TrainLog.read(whole.resolve(Trainer.LOG));
        List<TrainLog.Row> m = TrainLog.read(split.resolve(Trainer.LOG));
        for (int i = 0; i < w.size(); i++) {   // the same run to float round-off
            assertEquals(m.get(i).valLoss(), w.get(i).valLoss(), 1e-4 * w.get(i).valLoss());
        }
        // a micro-batch that does not divide the batch, and a budget too small for one sequence, are one error each
        Path bad = Files.createTempDirectory("run").resolve("never");
        a = new ArrayList<>(trainArgs(bad, 4));
        a.addAll(List.of("--micro-batch", "3"));
        Object[] r = Cli.err(a.toArray(String[]::new));
        assertEquals(r[0], 1);
        assertTrue(((String) r[1]).contains("--micro-batch 3: must divide the batch of 4"), (String) r[1]);
        a = new ArrayList<>(trainArgs(bad, 4));
        a.addAll(List.of("--memory-gb", "0.0000001"));
        r = Cli.err(a.toArray(String[]::new));
        assertEquals(r[0], 1);
        assertTrue(((String) r[1]).contains("--memory-gb"), (String) r[1]);
    }

    @Test
    public void preparedShardsTrainAndResumeAndAPreparedFolderIsNotOverwritten() throws IOException {
        Path shards = Files.createTempDirectory("prep").resolve("demo-bpe");
        String[] prepare = {"data", "prepare", "--tokenizer", "bpe:300", "--sources", "demo", "--data-dir",
                data.toString(), "--shard-tokens", "3000", "--val-tokens", "500", "--bpe-chars", "20000", "-q", "-o",
                shards.toString()};
        assertEquals(StagedCli.run(prepare), 0);
        try (var files = Files.list(shards)) {
            List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
            assertTrue(names.contains("val_000000.bin") && names.contains("train_000001.bin")
                    && names.contains("train_000002.bin") && names.contains("shards.json")
                    && names.contains("tokenizer.json"), names.toString());
        }
        Object[] r = Cli.err(prepare);
        assertEquals(r[0], 1);
        assertTrue(((String) r[1]).contains("already exists"), (String) r[1]);

        Path run = Files.createTempDirectory("run");
        List<String> a = new ArrayList<>(List.of("train", "-c", "micro", "--shards", shards.toString(), "--steps", "8",
                "--batch", "4", "--eval-every", "2", "--checkpoint-every", "4", "--eval-batches", "2", "--threads", "1",
                "-q", "-o", run.toString()));
        assertEquals(StagedCli.run(a.toArray(String[]::new)), 0);
        var state = org.staged.models.train.Checkpoint.load(run.resolve(Trainer.CHECKPOINT)).state();
        int prepared = new com.fasterxml.jackson.databind.ObjectMapper().readTree(shards.resolve("shards.json").toFile())
                .get("vocab_size").asInt();
        assertTrue(prepared > 256 && prepared <= 300, "a BPE of at most 300 tokens: " + prepared);
        assertEquals(state.config().vocabSize(), prepared, "the shards' tokenizer");
        assertEquals(Files.readAllBytes(run.resolve("tokenizer.json")), Files.readAllBytes(shards.resolve("tokenizer.json")));
        assertEquals(TrainLog.read(run.resolve(Trainer.LOG)).size(), 4);
        byte[] done = Files.readAllBytes(run.resolve(Trainer.CHECKPOINT));
        assertEquals(StagedCli.run(a.toArray(String[]::new)), 0, "the same command resumes the finished run");
        assertEquals(Files.readAllBytes(run.resolve(Trainer.CHECKPOINT)), done);
        a.set(a.size() - 1, Files.createTempDirectory("run").toString());
        a.addAll(List.of("--tokenizer", "byte"));
        r = Cli.err(a.toArray(String[]::new));
        assertEquals(r[0], 1);
        assertTrue(((String) r[1]).contains("were prepared with bpe:300"), (String) r[1]);   // the spec, not the vocabulary reached
    }

    @Test
    public void theSpikeGuardReportsItsCountAndABadFactorIsRefused() throws IOException {
        Path run = Files.createTempDirectory("run");
        List<String> a = new ArrayList<>(trainArgs(run, 8));
        a.addAll(List.of("--spike-guard", "1.01"));   // tight enough that some batch exceeds it
        Object[] r0 = Cli.out(a.toArray(String[]::new));
        assertEquals(r0[0], 0);
        String printed = (String) r0[1];
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("loss-spike guard \\(factor 1\\.01\\): (\\d+) step")
                .matcher(printed);
        assertTrue(m.find(), printed);
        long skipped = Long.parseLong(m.group(1));
        assertEquals(org.staged.models.train.Checkpoint.load(run.resolve(Trainer.CHECKPOINT)).extra()
                .get("spikes_skipped").asLong(), skipped, "the count the checkpoint keeps");
        assertTrue(Files.readString(run.resolve(TrainJob.OPTIONS)).contains("\"spikeGuard\" : 1.01"));
        a = new ArrayList<>(trainArgs(Files.createTempDirectory("run").resolve("never"), 4));
        a.addAll(List.of("--spike-guard", "0.5"));
        Object[] r = Cli.err(a.toArray(String[]::new));
        assertEquals(r[0], 1);
        assertTrue(((String) r[1]).contains("--spike-guard must be a factor above 1, found 0.5"), (String) r[1]);
    }

    private static Process child(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StagedCli.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }
}
