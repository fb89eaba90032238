package org.staged.eval.metrics;

/** A language model seen from evaluation: log-probabilities of next tokens. */
public interface TokenScorer {
    /** @return the longest input the model takes */
    int contextLength();

    /**
     * @param windows equal-length token windows of L + 1 tokens: the first L are inputs, the last L targets
     * @return log p(window[i + 1] | window[0..i]) for i = 0 … L − 1, one row per window
     */
    double[][] logProbs(int[][] windows);

    /**
     * @param windows as for {@link #logProbs}
     * @return the most likely next token after window[0..i] for i = 0 … L − 1, one row per window
     */
    int[][] argmax(int[][] windows);
}
