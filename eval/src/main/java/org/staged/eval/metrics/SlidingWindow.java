package org.staged.eval.metrics;

import java.util.ArrayList;
import java.util.List;
import org.staged.models.train.ProgressBar;

/**
 * Perplexity of a long token stream with a sliding window (as for WikiText-103): windows of the model's
 * context start every {@code stride} tokens, and each window scores only the targets no earlier window
 * scored, so every token after the first is scored exactly once, with at least context − stride tokens of
 * left context (all of them in the first window).
 */
public final class SlidingWindow {
    private SlidingWindow() {
    }

    /**
     * Total negative log-likelihood and how many tokens it covers.
     *
     * @param nll    Σ −log p over scored tokens, in nats
     * @param tokens scored tokens
     */
    public record Result(double nll, long tokens) {
        /** @return exp(nll / tokens), the token-level perplexity */
        public double perplexity() {
            return Math.exp(nll / tokens);
        }

        /**
         * @param units another count to normalise by, e.g. the dataset's words (word-level perplexity)
         * @return exp(nll / units)
         */
        public double perplexityPer(long units) {
            return Math.exp(nll / units);
        }
    }

    /** One window: tokens [begin, end] (end − begin targets), scoring targets from {@code firstNew} on. */
    private record Window(int begin, int end, int firstNew) {
    }

    /**
     * @param tokens   the stream
     * @param scorer   the model
     * @param stride   tokens between window starts, 1 ≤ stride ≤ context
     * @param batch    windows per model call
     * @param progress whether to draw a progress bar
     * @return the total NLL over tokens 1 … n−1
     */
    public static Result evaluate(int[] tokens, TokenScorer scorer, int stride, int batch, boolean progress) {
        int context = scorer.contextLength();
        if (stride < 1 || stride > context) {
            throw new IllegalArgumentException("--stride must be in [1, " + context + "], found " + stride);
        }
        if (tokens.length < 2) {
            return new Result(0, 0);   // nothing to predict
        }
        List<Window> windows = new ArrayList<>();
        int scored = 0;   // last target position already scored
        for (int begin = 0; scored < tokens.length - 1; begin += stride) {
            int end = Math.min(begin + context, tokens.length - 1);
            windows.add(new Window(begin, end, scored + 1));
            scored = end;
        }
        ProgressBar bar = progress ? new ProgressBar("perplexity", windows.size()) : null;
        double nll = 0;
        long count = 0;
        int done = 0;
        for (int i = 0; i < windows.size(); ) {
            // a batch of windows of the same length (only the last one can be shorter)
            int len = windows.get(i).end() - windows.get(i).begin();
            List<Window> group = new ArrayList<>();
            while (i < windows.size() && group.size() < batch
                    && windows.get(i).end() - windows.get(i).begin() == len) {
                group.add(windows.get(i++));
            }
            int[][] w = new int[group.size()][];
            for (int g = 0; g < w.length; g++) {
                w[g] = java.util.Arrays.copyOfRange(tokens, group.get(g).begin(), group.get(g).end() + 1);
            }
            double[][] lp = scorer.logProbs(w);
            for (int g = 0; g < w.length; g++) {
                Window win = group.get(g);
                for (int p = win.firstNew(); p <= win.end(); p++) {
                    nll -= lp[g][p - win.begin() - 1];   // target at position p is output p − begin − 1
                    count++;
                }
            }
            done += group.size();
            if (bar != null) {
                bar.update(done, String.format("ppl %.2f", Math.exp(nll / count)));
            }
        }
        if (bar != null) {
            bar.finish();
        }
        return new Result(nll, count);
    }
}
