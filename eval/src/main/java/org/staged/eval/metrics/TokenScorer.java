package org.staged.eval.metrics;

/** A language model seen from evaluation: log-probabilities of next tokens, and its greedy choices. */
public interface TokenScorer {
    /**
     * What one forward pass over a batch of windows gives.
     *
     * @param logProbs log p(window[i + 1] | window[0..i]) for i = 0 … L − 1, one row per window
     * @param argmax   the most likely next token after window[0..i], one row per window; null when not asked for
     */
    record Scores(double[][] logProbs, int[][] argmax) {
    }

    /** @return the longest input the model takes */
    int contextLength();

    /**
     * Scores equal-length windows in one forward pass.
     *
     * @param windows    token windows of L + 1 tokens: the first L are inputs, the last L targets
     * @param withArgmax whether to also return the greedy next tokens
     * @return the scores
     */
    Scores score(int[][] windows, boolean withArgmax);

    /**
     * @param windows as for {@link #score}
     * @return the log-probabilities alone
     */
    default double[][] logProbs(int[][] windows) {
        return score(windows, false).logProbs();
    }
}
