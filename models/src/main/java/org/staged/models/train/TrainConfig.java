package org.staged.models.train;

/**
 * How long and how to train one stage.
 *
 * @param batchSize       sequences per step
 * @param steps           optimizer steps of this run
 * @param evalEvery       steps between validation evaluations and log rows
 * @param evalBatches     validation batches per evaluation (in order, the same every time)
 * @param checkpointEvery steps between checkpoints; a multiple of {@code evalEvery} (0: only at the end)
 * @param seed            data-order seed
 */
public record TrainConfig(int batchSize, long steps, int evalEvery, int evalBatches, int checkpointEvery, long seed) {

    /** Validates every field and names the offending one. */
    public TrainConfig {
        check(batchSize >= 1, "batchSize must be >= 1, found " + batchSize);
        check(steps >= 1, "steps must be >= 1, found " + steps);
        check(evalEvery >= 1, "evalEvery must be >= 1, found " + evalEvery);
        check(evalBatches >= 1, "evalBatches must be >= 1, found " + evalBatches);
        check(checkpointEvery >= 0 && checkpointEvery % evalEvery == 0,
                "checkpointEvery must be a non-negative multiple of evalEvery (" + evalEvery + "), found "
                        + checkpointEvery);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("TrainConfig: " + message);
        }
    }
}
