package org.staged.reproduce.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.TreeMap;
import org.staged.api.AtomicFiles;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.DataException;
import org.staged.eval.metrics.GptScorer;
import org.staged.eval.metrics.Lambada;
import org.staged.eval.metrics.SlidingWindow;
import org.staged.eval.text.Tokenizer;
import org.staged.models.Gpt;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.reproduce.preset.Preset;
import org.staged.reproduce.report.CsvTable;

/**
 * Zero-shot WikiText-103 perplexity and LAMBADA accuracy (Table 2) at chosen snapshots of a run, on the share
 * of each test set the preset names. Results are kept in the run's {@code zeroshot.csv}, one row per step, so
 * a rerun evaluates only what is missing.
 */
public final class ZeroShot {
    static final String FILE = "zeroshot.csv";
    private static final String HEADER = "step,flops,wikitext_word_ppl,wikitext_token_ppl,lambada_accuracy,"
            + "lambada_target_ppl";
    private static final List<String> COLUMNS = List.of(HEADER.split(","));
    private static final int BATCH = 8;

    /**
     * One evaluated snapshot.
     *
     * @param step             run step
     * @param flops            cumulative training FLOPs (all stages)
     * @param wikitextWordPpl  WikiText-103 perplexity per word (the share scored)
     * @param wikitextTokenPpl WikiText-103 perplexity per token
     * @param lambadaAccuracy  LAMBADA accuracy (every token of the last word right)
     * @param lambadaTargetPpl perplexity of LAMBADA's last words (a signal even where no passage is right)
     */
    public record Point(long step, double flops, double wikitextWordPpl, double wikitextTokenPpl, double lambadaAccuracy,
                        double lambadaTargetPpl) {
    }

    private final String wikitext;
    private final long wikitextWords;
    private final List<Lambada.Item> lambada;
    // WikiText in each seed's tokens: every run of a seed shares its tokenizer, and seeds may run side by side
    private final Map<Tokenizer, int[]> wikiTokens = new java.util.IdentityHashMap<>();

    /** Reads the shares of both test sets the preset asks for. */
    ZeroShot(DataDir dir, Preset.Evaluation e) {
        String all;
        try {
            all = Files.readString(dir.require("wikitext/wiki.test.raw"), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new DataException("wikitext/wiki.test.raw: " + ex.getMessage(), ex);
        }
        String text = e.wikitextChars() == 0 || e.wikitextChars() >= all.length() ? all
                : all.substring(0, all.lastIndexOf('\n', (int) e.wikitextChars()) + 1);
        this.wikitext = text;
        this.wikitextWords = words(text);
        List<Lambada.Item> items = Lambada.read(dir.require("lambada/lambada_test.jsonl"), false).items();
        this.lambada = e.lambadaPassages() == 0 ? items : items.subList(0, Math.min(items.size(), e.lambadaPassages()));
    }

    /** Words as WikiText-103 counts them: whitespace-separated tokens plus one end-of-line per line. */
    static long words(String text) {
        long n = 0;
        for (String line : text.split("\n", -1)) {
            String t = line.strip();
            n += t.isEmpty() ? 0 : t.split("\\s+").length;
        }
        return n + text.chars().filter(c -> c == '\n').count();
    }

    /**
     * Evaluates {@code steps} of a run (each must have a snapshot), reusing earlier results.
     *
     * @return the points in step order
     */
    List<Point> evaluate(Path runDir, List<TrainLog.Row> rows, List<Long> steps, Tokenizer tok) {
        TreeMap<Long, Point> done = read(runDir.resolve(FILE));
        for (long step : steps) {
            if (done.containsKey(step)) {
                continue;
            }
            TrainLog.Row row = rows.stream().filter(r -> r.step() == step).findFirst().orElseThrow();
            Checkpoint.Loaded c = Checkpoint.load(Trainer.snapshot(runDir, step));
            Gpt gpt = new Gpt(c.state().config(), c.state().params());
            GptScorer scorer = new GptScorer(gpt);
            int stride = Math.max(1, gpt.config().contextLength() / 2);
            SlidingWindow.Result w = SlidingWindow.evaluate(wikiTokens(tok), scorer, stride, BATCH, false);
            Lambada.Result l = Lambada.evaluate(lambada, 0, tok, scorer, BATCH, false);
            done.put(step, new Point(step, row.flops(), w.perplexityPer(wikitextWords), w.perplexity(), l.accuracy(),
                    l.targetPerplexity()));
            write(runDir.resolve(FILE), done);
        }
        List<Point> out = new ArrayList<>();
        steps.forEach(s -> out.add(done.get(s)));
        return out;
    }

    /** @return the scored share of WikiText in {@code tok}'s tokens, encoded once for all the runs of a seed */
    private synchronized int[] wikiTokens(Tokenizer tok) {
        return wikiTokens.computeIfAbsent(tok, t -> t.encode(wikitext));
    }

    /** @return about {@code n} steps spread evenly over a run's log rows, always including its last */
    static List<Long> spread(List<TrainLog.Row> rows, int n) {
        java.util.TreeSet<Long> s = new java.util.TreeSet<>();
        for (int i = 0; i < n; i++) {
            int idx = n == 1 ? rows.size() - 1 : (int) Math.round((double) i * (rows.size() - 1) / (n - 1));
            s.add(rows.get(idx).step());
        }
        return new ArrayList<>(s);
    }

    /** @return the steps a run's {@code zeroshot.csv} holds */
    static java.util.Set<Long> steps(Path f) {
        return read(f).keySet();
    }

    private static TreeMap<Long, Point> read(Path f) {
        TreeMap<Long, Point> m = new TreeMap<>();
        if (!Files.exists(f)) {
            return m;
        }
        try (java.util.stream.Stream<String> lines = Files.lines(f)) {
            if (!lines.findFirst().orElse("").equals(HEADER)) {
                return m;   // written with other columns: evaluate again
            }
        } catch (IOException e) {
            throw new DataException(f + ": cannot read: " + e.getMessage(), e);
        }
        for (Map<String, String> r : CsvTable.read(f, COLUMNS)) {
            long step = Long.parseLong(r.get("step"));
            m.put(step, new Point(step, number(f, r, "flops"), number(f, r, "wikitext_word_ppl"),
                    number(f, r, "wikitext_token_ppl"), number(f, r, "lambada_accuracy"), number(f, r, "lambada_target_ppl")));
        }
        return m;
    }

    private static double number(Path f, Map<String, String> r, String column) {
        try {
            return Double.parseDouble(r.get(column));
        } catch (NumberFormatException e) {
            throw new DataException(f + ": step " + r.get("step") + ": " + column + " '" + r.get(column)
                    + "' is not a number", e);
        }
    }

    private static void write(Path f, TreeMap<Long, Point> points) {
        List<List<String>> rows = points.values().stream().map(p -> List.of(String.valueOf(p.step()),
                String.format(Locale.ROOT, "%.6e", p.flops()), String.format(Locale.ROOT, "%.6f", p.wikitextWordPpl()),
                String.format(Locale.ROOT, "%.6f", p.wikitextTokenPpl()),
                String.format(Locale.ROOT, "%.6f", p.lambadaAccuracy()),
                String.format(Locale.ROOT, "%.6f", p.lambadaTargetPpl()))).toList();
        AtomicFiles.writeString(f, CsvTable.write(COLUMNS, rows));
    }
}
