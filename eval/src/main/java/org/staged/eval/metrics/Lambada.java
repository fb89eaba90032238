package org.staged.eval.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.staged.eval.data.DataException;
import org.staged.eval.text.Tokenizer;
import org.staged.models.train.ProgressBar;

/**
 * LAMBADA zero-shot accuracy (Paperno et al. 2016; OpenAI's jsonl as GPT-2 used it): the target is the last
 * whitespace-separated word of a passage, and a passage counts as correct only if greedy decoding reproduces
 * every token of the target word (not just its last token). Also reports the target words' perplexity.
 */
public final class Lambada {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PAD_TO = 32;

    private Lambada() {
    }

    /** A passage split into its context and its target word (with the word's leading space). */
    public record Item(String context, String target) {
        /** Splits at the last whitespace; null when the passage has no context. */
        static Item of(String passage) {
            String text = passage.strip();
            int cut = Math.max(text.lastIndexOf(' '), Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\t')));
            return cut <= 0 ? null : new Item(text.substring(0, cut), " " + text.substring(cut + 1));
        }
    }

    /** Items read from a file and how many lines were skipped. */
    public record Items(List<Item> items, int skipped) {
    }

    /** What the evaluation measured. */
    public record Result(long passages, long correct, double targetNll, long targetTokens, int skipped) {
        /** @return the fraction of passages whose whole target word greedy decoding reproduces */
        public double accuracy() {
            return passages == 0 ? Double.NaN : (double) correct / passages;
        }

        /** @return exp(mean NLL per target token) */
        public double targetPerplexity() {
            return Math.exp(targetNll / targetTokens);
        }
    }

    /**
     * Reads OpenAI's jsonl ({@code {"text": ...}} per line) or, for any other file, the original plain text
     * (one passage per line).
     *
     * @param file         the test set
     * @param skipBadLines count malformed lines and passages without context instead of failing
     * @return the items
     * @throws DataException naming the file and line of a malformed line
     */
    public static Items read(Path file, boolean skipBadLines) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage(), e);
        }
        boolean jsonl = file.getFileName().toString().endsWith(".jsonl");
        List<Item> items = new ArrayList<>();
        int skipped = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String passage;
            try {
                passage = jsonl ? text(line) : line;
            } catch (IllegalArgumentException e) {
                if (!skipBadLines) {
                    throw new DataException(file + ":" + (i + 1) + ": " + e.getMessage());
                }
                skipped++;
                continue;
            }
            Item item = Item.of(passage);
            if (item == null) {
                if (!skipBadLines) {
                    throw new DataException(file + ":" + (i + 1) + ": a passage needs a context before its last word");
                }
                skipped++;
                continue;
            }
            items.add(item);
        }
        return new Items(items, skipped);
    }

    private static String text(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            if (n == null || !n.path("text").isTextual()) {
                throw new IllegalArgumentException("expected an object with a string field \"text\"");
            }
            return n.get("text").asText();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * @param items    passages
     * @param skipped  lines skipped while reading (reported back)
     * @param tok      the model's tokenizer
     * @param scorer   the model
     * @param batch    passages per model call (right-padded; causal attention ignores the padding)
     * @param progress whether to draw a progress bar
     * @return accuracy and target perplexity
     */
    public static Result evaluate(List<Item> items, int skipped, Tokenizer tok, TokenScorer scorer, int batch,
                                  boolean progress) {
        int context = scorer.contextLength();
        ProgressBar bar = progress ? new ProgressBar("lambada", items.size()) : null;
        long correct = 0;
        double nll = 0;
        long targetTokens = 0;
        for (int from = 0; from < items.size(); from += batch) {
            List<Item> group = items.subList(from, Math.min(items.size(), from + batch));
            int[][] seqs = new int[group.size()][];
            int[] targetLen = new int[group.size()];
            int longest = 0;
            for (int g = 0; g < seqs.length; g++) {
                int[] ctx = tok.encode(group.get(g).context());
                int[] full = tok.encode(group.get(g).context() + group.get(g).target());
                int[] tgt = startsWith(full, ctx) ? Arrays.copyOfRange(full, ctx.length, full.length)
                        : tok.encode(group.get(g).target());
                int[] seq = concat(ctx, tgt);
                seqs[g] = seq.length > context + 1 ? Arrays.copyOfRange(seq, seq.length - context - 1, seq.length) : seq;
                targetLen[g] = Math.min(tgt.length, seqs[g].length - 1);
                longest = Math.max(longest, seqs[g].length);
            }
            // right padding with token 0, to a multiple of PAD_TO: few batch shapes, so the model's buffers are reused
            int padded = Math.min(context + 1, (longest + PAD_TO - 1) / PAD_TO * PAD_TO);
            int[][] windows = new int[seqs.length][];
            for (int g = 0; g < seqs.length; g++) {
                windows[g] = Arrays.copyOf(seqs[g], Math.max(longest, padded));
            }
            TokenScorer.Scores scores = scorer.score(windows, true);
            double[][] lp = scores.logProbs();
            int[][] best = scores.argmax();
            for (int g = 0; g < seqs.length; g++) {
                int last = seqs[g].length - 2;   // output index predicting the final token
                boolean ok = true;
                for (int j = 0; j < targetLen[g]; j++) {
                    int out = last - j;
                    nll -= lp[g][out];
                    targetTokens++;
                    ok &= best[g][out] == seqs[g][out + 1];
                }
                if (ok) {
                    correct++;
                }
            }
            if (bar != null) {
                bar.update(Math.min(items.size(), from + batch), String.format("acc %.3f", (double) correct
                        / Math.min(items.size(), from + batch)));
            }
        }
        if (bar != null) {
            bar.finish();
        }
        return new Result(items.size(), correct, nll, targetTokens, skipped);
    }

    private static boolean startsWith(int[] a, int[] prefix) {
        return a.length > prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
