package org.staged.cli;

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
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.TrainingState;
import org.staged.eval.text.BpeTokenizer;
import org.staged.eval.text.HfTokenizer;
import org.staged.eval.text.Tokenizers;
import org.staged.models.Gpt;
import org.staged.models.hf.HfGpt2;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.reproduce.GeneratedData;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** README's "Grow a pretrained GPT-2" through the command line: export, import, grow, train, evaluate. */
public class HfInteropTest {
    private Path data;
    private Path run;

    @BeforeClass
    public void trainARun() throws IOException {
        data = GeneratedData.trainingText(3, 200, 120);
        Files.createDirectories(data.resolve("wikitext"));
        Files.writeString(data.resolve("wikitext/wiki.test.raw"), " = Title = \n the cat sat on the mat .\n".repeat(20));
        Files.createDirectories(data.resolve("lambada"));
        Files.writeString(data.resolve("lambada/lambada_test.jsonl"),
                "{\"text\": \"the dog ran to its log\"}\n{\"text\": \"a cat sat on a mat\"}\n");
        run = Files.createTempDirectory("run");
        assertEquals(StagedCli.run("train", "-c", "micro", "--tokenizer", "bpe:300", "--data-dir", data.toString(),
                "--sources", "demo", "--steps", "6", "--batch", "4", "--eval-every", "2", "--checkpoint-every", "2",
                "--eval-batches", "2", "--val-fraction", "0.1", "--dropout", "0.1", "--attn-dropout", "0.05",
                "--threads", "1", "-q", "-o", run.toString()), 0);
    }

    private Path export(boolean withOptimizer) throws IOException {
        Path out = Files.createTempDirectory("hf").resolve("export");
        List<String> a = new ArrayList<>(List.of("export", "--checkpoint", run.resolve(Trainer.CHECKPOINT).toString(),
                "--format", "hf", "--out", out.toString(), "--data-dir", data.toString()));
        if (withOptimizer) {
            a.add("--with-optimizer");
        }
        Object[] r = Cli.out(a.toArray(String[]::new));
        assertEquals(r[0], 0, (String) r[1]);
        assertTrue(((String) r[1]).contains("read back bit-identical") && ((String) r[1]).contains("tokenizer.json "
                + "gives the run's ids on WikiText-103's first 10,000 lines"), (String) r[1]);
        return out;
    }

    @Test
    public void exportWritesWhatTransformersLoads() throws IOException {
        Path out = export(true);
        for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors", "tokenizer.json",
                "vocab.json", "merges.txt", "tokenizer_config.json")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertFalse(Files.exists(out.resolveSibling("export.partial")));
        JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals(cfg.get("resid_pdrop").asDouble(), 0.1);
        assertEquals(cfg.get("embd_pdrop").asDouble(), 0.1);
        assertEquals(cfg.get("attn_pdrop").asDouble(), 0.05);
        // the exported tokenizer is the run's BPE
        BpeTokenizer bpe = BpeTokenizer.load(run.resolve(Tokenizers.FILE));
        assertEquals(cfg.get("vocab_size").asInt(), bpe.vocabSize());
        HfTokenizer hf = HfTokenizer.read(out.resolve(HfTokenizer.FILE));
        assertEquals(hf.encode("the cat sat on the mat"), bpe.encode("the cat sat on the mat"));

        // the whole state comes back, moments and schedule position included
        TrainingState s = Checkpoint.load(run.resolve(Trainer.CHECKPOINT)).state();
        TrainingState back = HfGpt2.load(out, null).state();
        assertEquals(back.scheduleStep(), s.scheduleStep());
        for (String k : s.params().keySet()) {
            assertEquals(back.params().get(k), s.params().get(k), k);
            assertEquals(back.adamV().get(k), s.adamV().get(k), k);
        }

        // refusals: an existing folder, another format
        Object[] again = Cli.err("export", "--checkpoint", run.resolve(Trainer.CHECKPOINT).toString(), "--out",
                out.toString());
        assertEquals(again[0], 1);
        assertTrue(((String) again[1]).contains("already exists"), (String) again[1]);
        Object[] onnx = Cli.err("export", "--checkpoint", run.resolve(Trainer.CHECKPOINT).toString(), "--format",
                "onnx", "--out", out.resolveSibling("x").toString());
        assertEquals(onnx[0], 1);
        assertTrue(((String) onnx[1]).contains("--format onnx"), (String) onnx[1]);
    }

    @Test
    public void importedModelGrowsTrainsAndEvaluates() throws IOException {
        Path hf = export(false);
        String ref = "hf:" + hf;
        // the kit on the imported model: width and depth preserve its loss
        Object[] kit = Cli.out("grow", "check", "--op", "width;depth", "--on", ref);
        assertEquals(kit[0], 0, (String) kit[1]);
        assertTrue(((String) kit[1]).matches("(?s).*\\| width \\| loss preserved \\(double\\) \\| yes \\| pass \\|.*"),
                (String) kit[1]);
        assertTrue(((String) kit[1]).matches("(?s).*\\| depth \\| loss preserved \\(double\\) \\| yes \\| pass \\|.*"),
                (String) kit[1]);

        // a pretrained checkpoint has no schedule: grow asks for one
        Path grown = Files.createTempDirectory("grown").resolve("grown.safetensors");
        Object[] bare = Cli.err("grow", "--op", "width", "--in", ref, "--out", grown.toString());
        assertEquals(bare[0], 1);
        assertTrue(((String) bare[1]).contains("--target-steps and --target-lr"), (String) bare[1]);
        Object[] g = Cli.out("grow", "--op", "width", "--in", ref, "--out", grown.toString(), "--target-steps", "40",
                "--target-lr", "1e-3", "--target-warmup", "4");
        assertEquals(g[0], 0, (String) g[1]);
        assertTrue(((String) g[1]).contains("no optimizer state: Adam's moments are 0, the step 0"), (String) g[1]);
        TrainingState imported = HfGpt2.load(hf, null).state();
        TrainingState big = Checkpoint.load(grown).state();
        assertEquals(big.config().dModel(), 2 * imported.config().dModel());
        assertEquals(big.schedule().totalSteps(), 40);
        INDArray idx = tokens(imported.config().vocabSize(), imported.config().contextLength());
        double l0 = new Gpt(imported.config(), imported.params()).loss(idx, idx);
        double l1 = new Gpt(big.config(), big.params()).loss(idx, idx);
        assertEquals(l1, l0, 1e-5 * l0);

        // train from the imported folder with its own tokenizer, and evaluate it as it is
        Path cont = Files.createTempDirectory("run");
        assertEquals(StagedCli.run("train", "-c", "micro", "--init", ref, "--tokenizer", "hf:" + hf, "--data-dir",
                data.toString(), "--sources", "demo", "--steps", "4", "--batch", "4", "--eval-every", "2",
                "--eval-batches", "2", "--val-fraction", "0.1", "--threads", "1", "-q", "-o", cont.toString()), 0);
        assertEquals(TrainLog.read(cont.resolve(Trainer.LOG)).size(), 2);
        Path json = cont.resolve("eval.json");
        assertEquals(StagedCli.run("eval", "--checkpoint", ref, "--data-dir", data.toString(), "--json",
                json.toString(), "-q", "--threads", "1"), 0);
        JsonNode e = new ObjectMapper().readTree(json.toFile());
        assertTrue(e.get("wikitext103_token_ppl").asDouble() > 1, e.toString());
        assertEquals(e.get("lambada_passages").asInt(), 2);
        assertFalse(e.has("val_loss"), "no run, no validation text");

        // the grown model exports too, with the tokenizer named
        Path again = Files.createTempDirectory("hf").resolve("grown");
        Object[] x = Cli.out("export", "--checkpoint", grown.toString(), "--tokenizer", "hf:" + hf, "--out",
                again.toString(), "--data-dir", data.toString());
        assertEquals(x[0], 0, (String) x[1]);
        assertEquals(HfGpt2.load(again, null).state().config(), big.config());
    }

    @Test
    public void badFoldersGiveOneErrorNamingTheFile() throws IOException {
        Path empty = Files.createTempDirectory("hf-empty");
        Object[] r = Cli.err("eval", "--checkpoint", "hf:" + empty, "--data-dir", data.toString(), "-q");
        assertEquals(r[0], 1);
        assertTrue(((String) r[1]).contains(empty.resolve("config.json").toString()), (String) r[1]);
        Path hf = export(false);
        Files.writeString(hf.resolve("config.json"), Files.readString(hf.resolve("config.json"))
                .replace("\"gelu_new\"", "\"relu\""));
        Object[] relu = Cli.err("grow", "--op", "width", "--in", "hf:" + hf, "--out",
                hf.resolveSibling("g.safetensors").toString(), "--target-steps", "10", "--target-lr", "1e-3");
        assertEquals(relu[0], 1);
        assertTrue(((String) relu[1]).contains("activation_function is 'relu'"), (String) relu[1]);
    }

    private static INDArray tokens(int vocab, int t) {
        SplittableRandom rng = new SplittableRandom(9);
        int[][] x = new int[2][t];
        for (int[] row : x) {
            for (int j = 0; j < t; j++) {
                row[j] = rng.nextInt(vocab);
            }
        }
        return Nd4j.createFromArray(x);
    }


}
