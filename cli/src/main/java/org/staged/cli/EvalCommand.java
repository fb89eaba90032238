package org.staged.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.staged.api.AtomicFiles;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.DataException;
import org.staged.eval.data.TrainingText;
import org.staged.eval.metrics.GptScorer;
import org.staged.eval.metrics.Lambada;
import org.staged.eval.metrics.SlidingWindow;
import org.staged.api.LrSchedule;
import org.staged.eval.text.HfTokenizer;
import org.staged.eval.text.Tokenizer;
import org.staged.eval.text.Tokenizers;
import org.staged.models.Bench;
import org.staged.models.Gpt;
import org.staged.models.hf.HfGpt2;
import org.staged.models.train.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code staged eval}: validation loss, zero-shot WikiText-103 perplexity and LAMBADA accuracy of a checkpoint. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a checkpoint: in-domain validation loss (nats/token and bits/byte), zero-shot "
                + "WikiText-103 perplexity (wikitext/wiki.test.raw scored as distributed, WikiText's own spacing "
                + "such as ' @-@ ' kept, sliding window; token- and word-level) and LAMBADA accuracy (every token of "
                + "the last word by greedy decoding), with the compute spent to reach the checkpoint.",
                "Prints a Markdown table and writes JSON."})
public final class EvalCommand implements Callable<Integer> {
    /** WikiText-103 test words with one end-of-line per line, as the dataset publishes them. */
    public static final long WIKITEXT103_TEST_WORDS = 245_569;

    @Option(names = "--checkpoint", required = true, description = "checkpoint to evaluate: a file, or hf:DIR for a "
            + "Hugging Face GPT-2 folder")
    Path checkpoint;
    @Option(names = "--run", description = "run directory with run.json and the tokenizer (default: the "
            + "checkpoint's directory; none for hf:DIR)")
    Path run;
    @Option(names = "--tokenizer", description = "tokenizer of a checkpoint without a run (default for hf:DIR: its "
            + "tokenizer.json, else gpt2)")
    String tokenizer;
    @Option(names = "--tasks", split = ",", description = "val, wikitext103, lambada (default: all three; without a "
            + "run, the last two)")
    List<String> tasks;
    @Option(names = "--stride", description = "sliding-window stride in tokens (default: half the context)")
    Integer stride;
    @Option(names = "--batch", description = "windows or passages per model call (default: ${DEFAULT-VALUE})")
    int batch = 8;
    @Option(names = "--data-dir", description = "data directory (default: $STAGED_DATA_DIR, else ./data)")
    Path dataDir;
    @Option(names = "--lambada-plain", description = "use the original plain-text LAMBADA test set")
    boolean lambadaPlain;
    @Option(names = "--skip-bad-lines", description = "count malformed LAMBADA lines instead of failing")
    boolean skipBadLines;
    @Option(names = "--json", description = "where to write the results (default: <run>/eval-<checkpoint>.json)")
    Path json;
    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = {"-q", "--quiet"}, description = "no progress bars")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        DataDir dir = DataDir.resolve(dataDir);   // fail before any work
        for (String t : tasks != null ? tasks : List.<String>of()) {
            if (!List.of("val", "wikitext103", "lambada").contains(t)) {
                throw new IllegalArgumentException("--tasks: unknown task '" + t + "'; known: val, wikitext103, lambada");
            }
        }
        Path hf = HfGpt2.folder(checkpoint);
        Path runDir = run != null ? run : hf == null ? checkpoint.toAbsolutePath().getParent() : null;
        JsonNode opts = null;
        if (runDir != null) {
            Path options = runDir.resolve(TrainJob.OPTIONS);
            if (!Files.exists(options)) {
                throw new DataException(options + " not found: pass --run, the directory the checkpoint was trained in");
            }
            opts = new ObjectMapper().readTree(options.toFile());
        }
        List<String> todo = tasks != null ? tasks : opts != null ? List.of("val", "wikitext103", "lambada")
                : List.of("wikitext103", "lambada");
        if (opts == null && todo.contains("val")) {
            throw new IllegalArgumentException("--tasks val needs the run's validation text: pass --run");
        }
        Bench.setThreads(threads);
        Checkpoint.Loaded c = CheckpointInput.load(checkpoint, cfg -> LrSchedule.cosine(1e-4, 0, 1),
                "nowhere (evaluation needs none)", System.out::println);
        Gpt gpt = new Gpt(c.state().config(), c.state().params());
        GptScorer scorer = new GptScorer(gpt);
        String spec = tokenizer != null ? tokenizer : opts != null ? opts.path("tokenizer").asText()
                : Files.exists(hf.resolve(HfTokenizer.FILE)) ? Tokenizers.HF + hf : "gpt2";
        Path tokDir = runDir != null ? runDir : hf;
        Tokenizer tok = Tokenizers.create(spec, () -> {
            throw new DataException(tokDir.resolve(Tokenizers.FILE) + " not found: the run's trained tokenizer is needed");
        }, tokDir);
        if (tok.vocabSize() != gpt.config().vocabSize()) {
            throw new IllegalArgumentException("tokenizer " + tok.name() + " has " + tok.vocabSize() + " tokens but "
                    + checkpoint + " has a vocabulary of " + gpt.config().vocabSize() + "; pass --tokenizer");
        }
        int s = stride != null ? stride : Math.max(1, gpt.config().contextLength() / 2);
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("checkpoint", checkpoint.toString());
        out.put("tokens_trained", c.extra().path("tokens").asLong());
        out.put("flops", c.extra().path("flops").asDouble());
        List<String[]> rows = new ArrayList<>();
        for (String task : todo) {
            switch (task) {
                case "val" -> {
                    List<String> sources = new ArrayList<>();
                    opts.path("sources").forEach(n -> sources.add(n.asText()));
                    String val = TrainingText.load(dir, sources, opts.path("maxChars").asLong(),
                            opts.path("valFraction").asDouble(), opts.path("seed").asLong()).val();
                    SlidingWindow.Result r = SlidingWindow.evaluate(tok.encode(val), scorer,
                            gpt.config().contextLength(), batch, !quiet);
                    double bpb = r.nll() / (Math.log(2) * val.getBytes(StandardCharsets.UTF_8).length);
                    out.put("val_loss", r.nll() / r.tokens());
                    out.put("val_bits_per_byte", bpb);
                    rows.add(row("validation", "loss (nats/token)", r.nll() / r.tokens()));
                    rows.add(row("validation", "bits per byte", bpb));
                }
                case "wikitext103" -> {
                    String text = Files.readString(dir.require("wikitext/wiki.test.raw"), StandardCharsets.UTF_8);
                    SlidingWindow.Result r = SlidingWindow.evaluate(tok.encode(text), scorer, s, batch, !quiet);
                    out.put("wikitext103_token_ppl", r.perplexity());
                    out.put("wikitext103_word_ppl", r.perplexityPer(WIKITEXT103_TEST_WORDS));
                    out.put("wikitext103_stride", s);
                    rows.add(row("WikiText-103", "token perplexity", r.perplexity()));
                    rows.add(row("WikiText-103", "word perplexity", r.perplexityPer(WIKITEXT103_TEST_WORDS)));
                }
                case "lambada" -> {
                    Path f = dir.require(lambadaPlain ? "lambada/lambada_test_plain_text.txt"
                            : "lambada/lambada_test.jsonl");
                    Lambada.Items items = Lambada.read(f, skipBadLines);
                    Lambada.Result r = Lambada.evaluate(items.items(), items.skipped(), tok, scorer, batch, !quiet);
                    out.put("lambada_accuracy", r.accuracy());
                    out.put("lambada_target_ppl", r.targetPerplexity());
                    out.put("lambada_passages", r.passages());
                    out.put("lambada_skipped", r.skipped());
                    rows.add(row("LAMBADA", "accuracy", r.accuracy()));
                    rows.add(row("LAMBADA", "target-word perplexity", r.targetPerplexity()));
                }
                default -> throw new IllegalStateException(task);
            }
        }
        System.out.printf(Locale.ROOT, "%s — %d tokens trained, %.4g PF-days%n%n", checkpoint,
                c.extra().path("tokens").asLong(), c.extra().path("flops").asDouble() / 8.64e19);
        System.out.println("| task | metric | value |");
        System.out.println("|---|---|---:|");
        rows.forEach(r -> System.out.printf("| %s | %s | %s |%n", r[0], r[1], r[2]));
        Path target = json != null ? json : runDir == null ? Path.of("eval-" + hf.getFileName() + ".json")
                : runDir.resolve("eval-" + checkpoint.getFileName().toString().replace(".safetensors", "") + ".json");
        AtomicFiles.writeString(target, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(out));
        System.out.println("\nwrote " + target);
        return 0;
    }

    private static String[] row(String task, String metric, double value) {
        return new String[] {task, metric, String.format(Locale.ROOT, "%.4f", value)};
    }
}
