package org.staged.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.eval.data.DataDir;
import org.staged.eval.text.HfTokenizer;
import org.staged.eval.text.Tokenizer;
import org.staged.eval.text.Tokenizers;
import org.staged.models.hf.HfGpt2;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.CheckpointException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code staged export}: a checkpoint as a Hugging Face GPT-2 folder, with the run's tokenizer. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a checkpoint as a Hugging Face GPT-2 folder that transformers loads "
                + "(AutoModelForCausalLM, AutoTokenizer): config.json, model.safetensors (fused c_attn, Conv1D [in, out] "
                + "weights, a tied head left out) and the run's tokenizer as tokenizer.json (byte-level BPE), "
                + "vocab.json, merges.txt and tokenizer_config.json.",
                "Before the folder is put in place the export is read back: the parameters must be bit-identical and "
                        + "tokenizer.json must give the run's token ids on WikiText-103's first 10,000 lines (when the "
                        + "data directory has them) and on a built-in sample."})
public final class ExportCommand implements Callable<Integer> {
    /** Text the tokenizer check always runs on: each branch of GPT-2's regex, Unicode spaces, many scripts. */
    static final List<String> SAMPLE = List.of(
            "She's here, they'll go; we've 12,345.67 apples... isn't it?\n",
            " = Valkyria Chronicles III = \n",
            "tabs\tand  double  spaces   and trailing   \n",
            "runs of\u00a0\u00a0non-breaking, \u3000\u3000 ideographic,\u2003\u2003x and NEL\u0085\u0085y\n",
            "naïve café — “quotes” Ελληνικά русский 中文字符 日本語 한국어 ١٢٣ 😀👍🏽 ∑∫√ @#$%^&*()[]{}<>~`|\\\n",
            "\r\nwindows line\r\n\n\n  indented\n");

    @Option(names = "--checkpoint", required = true, description = "checkpoint to export (a file, or hf:DIR)")
    Path checkpoint;
    @Option(names = "--format", description = "output format; hf: Hugging Face transformers (default: ${DEFAULT-VALUE})")
    String format = "hf";
    @Option(names = "--out", required = true, description = "folder to create; must not exist")
    Path out;
    @Option(names = "--run", description = "run directory with run.json and the tokenizer (default: the checkpoint's "
            + "directory)")
    Path run;
    @Option(names = "--tokenizer", description = "tokenizer the model was trained with (default: run.json's; gpt2 for a "
            + "50,257-token vocabulary without one)")
    String tokenizer;
    @Option(names = "--with-optimizer", description = "also write Adam's moments, step and schedule to "
            + HfGpt2.OPTIMIZER + " (tensors named exp_avg.NAME and exp_avg_sq.NAME after the parameters) so "
            + "training can continue elsewhere")
    boolean withOptimizer;
    @Option(names = "--data-dir", description = "data directory for the tokenizer check (default: $STAGED_DATA_DIR, "
            + "else ./data)")
    Path dataDir;

    @Override
    public Integer call() throws IOException {
        if (!format.equals("hf")) {
            throw new IllegalArgumentException("--format " + format + ": the only format is hf (Hugging Face "
                    + "transformers)");
        }
        if (Files.exists(out)) {
            throw new IllegalArgumentException("--out " + out + " already exists; remove it or choose another folder");
        }
        Path hf = HfGpt2.folder(checkpoint);
        Path runDir = run != null ? run : hf != null ? hf : checkpoint.toAbsolutePath().getParent();
        JsonNode opts = readOptions(runDir);
        Checkpoint.Loaded loaded = CheckpointInput.load(checkpoint, c -> LrSchedule.cosine(1e-4, 0, 1),
                "nowhere (export writes no schedule without an optimizer state)", System.out::println);
        TrainingState state = loaded.state();
        ModelConfig c = state.config();
        Tokenizer tok = tokenizer(opts, runDir, hf, c);
        HfGpt2.Dropouts drop = opts == null ? HfGpt2.Dropouts.GPT2 : new HfGpt2.Dropouts(
                opts.path("dropout").asDouble(), opts.path("dropout").asDouble(), opts.path("attnDropout").asDouble());
        if (opts == null) {
            System.out.println("no run.json in " + runDir + ": config.json gets GPT-2's dropouts (0.1)");
        }
        HfTokenizer hfTok = HfTokenizer.of(tok);
        Path partial = out.toAbsolutePath().resolveSibling(out.getFileName() + ".partial");
        deleteTree(partial);   // left by an interrupted export
        Files.createDirectories(partial);
        HfGpt2.save(partial, state, new HfGpt2.Export(drop, hfTok.endOfText(), withOptimizer));
        hfTok.write(partial, c.contextLength());

        // read the folder back before it is put in place: the claims printed below are measured on it
        TrainingState back = HfGpt2.load(partial, state.schedule()).state();
        for (String k : state.params().keySet()) {
            if (!back.params().get(k).equals(state.params().get(k))) {
                throw new CheckpointException(partial + ": parameter " + k + " does not read back bit-identical");
            }
        }
        List<String> lines = new ArrayList<>(SAMPLE);
        String source = "a built-in sample";
        Path wiki = DataDir.target(dataDir).resolve("wikitext/wiki.test.raw");
        if (Files.exists(wiki)) {
            try (Stream<String> s = Files.lines(wiki, StandardCharsets.UTF_8)) {
                s.limit(10_000).forEach(l -> lines.add(l + "\n"));
            }
            source = "WikiText-103's first 10,000 lines and a built-in sample";
        }
        long tokens = HfTokenizer.read(partial.resolve(HfTokenizer.FILE)).checkAgainst(tok, lines);
        Files.move(partial, out);
        System.out.printf(Locale.ROOT, "wrote %s: GPT-2 of %,d parameters (d %d, %d layers, %d heads, context %d), "
                        + "tokenizer %s (%,d tokens, %,d merges)%s%n", out, c.totalParams(), c.dModel(), c.nLayer(),
                c.nHead(), c.contextLength(), tok.name(), tok.vocabSize(), hfTok.mergeCount(),
                withOptimizer ? String.format(Locale.ROOT, ", Adam moments at step %d", state.step()) : "");
        System.out.printf(Locale.ROOT, "checked: %d parameter tensors read back bit-identical; tokenizer.json gives "
                + "the run's ids on %s (%,d tokens)%n", state.params().size(), source, tokens);
        System.out.println("in Python: from transformers import AutoModelForCausalLM, AutoTokenizer; "
                + "model = AutoModelForCausalLM.from_pretrained('" + out + "'); "
                + "tokenizer = AutoTokenizer.from_pretrained('" + out + "')");
        return 0;
    }

    private static JsonNode readOptions(Path runDir) throws IOException {
        Path f = runDir.resolve(TrainJob.OPTIONS);
        return Files.exists(f) ? new ObjectMapper().readTree(f.toFile()) : null;
    }

    private Tokenizer tokenizer(JsonNode opts, Path runDir, Path hf, ModelConfig c) {
        String spec = tokenizer != null ? tokenizer
                : opts != null ? opts.path("tokenizer").asText()
                : hf != null && Files.exists(hf.resolve(HfTokenizer.FILE)) ? Tokenizers.HF + hf
                : c.vocabSize() == 50257 ? "gpt2" : null;
        if (spec == null) {
            throw new IllegalArgumentException("no run.json in " + runDir + " to name the tokenizer of a " + c.vocabSize()
                    + "-token model: pass --run (the run's directory) or --tokenizer");
        }
        Tokenizer tok = Tokenizers.create(spec, () -> {
            throw new IllegalArgumentException(runDir.resolve(Tokenizers.FILE) + " not found: the run's trained "
                    + "tokenizer is needed (pass --run, the run's directory)");
        }, runDir);
        if (tok.vocabSize() != c.vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + tok.name() + " has " + tok.vocabSize() + " tokens but "
                    + checkpoint + " has a vocabulary of " + c.vocabSize() + "; pass the --tokenizer it was trained with");
        }
        return tok;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
