package org.staged.models.train;

/** A training corpus: opens a stream of batches over it for a sequence length, batch size and order seed. */
public interface TrainingData {

    /**
     * @param seq   sequence length T
     * @param batch sequences per batch B
     * @param seed  order seed
     * @return a stream at the start of the data
     */
    TrainingStream open(int seq, int batch, long seed);

    /** @return a corpus held in memory as one token stream, shuffled by sequence each epoch */
    static TrainingData of(int[] tokens) {
        return (seq, batch, seed) -> new TokenBatches(tokens, seq, batch, seed, true);
    }
}
