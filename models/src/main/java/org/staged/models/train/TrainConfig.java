package org.staged.models.train;

/**
 * How long and how to train one stage.
 *
 * @param batchSize       sequences per step
 * @param steps           optimizer steps of this run
 * @param evalEvery       steps between validation evaluations and log rows
 * @param evalBatches     validation batches per evaluation (in order, the same every time)
 * @param checkpointEvery steps between checkpoints; a multiple of {@code evalEvery} (0: only at the end)
 * @param seed            data-order seed (and, with the step, the dropout masks')
 * @param dropout         dropout on embeddings and residual branches during training (GPT-2: 0.1)
 * @param attnDropout     dropout on the attention probabilities during training (GPT-2's attn_pdrop: 0.1)
 */
public record TrainConfig(int batchSize, long steps, int evalEvery, int evalBatches, int checkpointEvery, long seed,
                          double dropout, double attnDropout) {

    /** Without dropout. */
    public TrainConfig(int batchSize, long steps, int evalEvery, int evalBatches, int checkpointEvery, long seed) {
        this(batchSize, steps, evalEvery, evalBatches, checkpointEvery, seed, 0, 0);
    }

    /** Without attention-probability dropout. */
    public TrainConfig(int batchSize, long steps, int evalEvery, int evalBatches, int checkpointEvery, long seed,
                       double dropout) {
        this(batchSize, steps, evalEvery, evalBatches, checkpointEvery, seed, dropout, 0);
    }

    /** Validates every field and names the offending one. */
    public TrainConfig {
        check(batchSize >= 1, "batchSize must be >= 1, found " + batchSize);
        check(steps >= 1, "steps must be >= 1, found " + steps);
        check(evalEvery >= 1, "evalEvery must be >= 1, found " + evalEvery);
        check(evalBatches >= 1, "evalBatches must be >= 1, found " + evalBatches);
        check(checkpointEvery >= 0 && checkpointEvery % evalEvery == 0,
                "checkpointEvery must be a non-negative multiple of evalEvery (" + evalEvery + "), found "
                        + checkpointEvery);
        check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), found " + dropout);
        check(attnDropout >= 0 && attnDropout < 1, "attnDropout must be in [0, 1), found " + attnDropout);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("TrainConfig: " + message);
        }
    }
}
