package org.staged.models.train;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Packs a token stream into sequences of {@code seq + 1} tokens (inputs and next-token targets) at stride
 * {@code seq}, and serves them in batches, shuffled once per epoch with a stream derived from (seed, epoch).
 * The position (epoch, cursor) is all a resumed run needs to continue with the same batches.
 */
public final class TokenBatches implements TrainingStream {
    private final int[] tokens;
    private final int seq;
    private final int batch;
    private final long seed;
    private final boolean shuffle;
    private final int count;      // number of sequences
    private int[] order;          // permutation of the current epoch
    private long epoch;
    private int cursor;           // next position in order

    /** One batch: inputs and targets, both [B, T] int32. */
    public record Batch(INDArray inputs, INDArray targets) {
    }

    /**
     * @param tokens  the token stream
     * @param seq     sequence length T
     * @param batch   sequences per batch B
     * @param seed    shuffle seed
     * @param shuffle false to serve sequences in order (validation)
     * @throws IllegalArgumentException when the stream holds fewer than one sequence
     */
    public TokenBatches(int[] tokens, int seq, int batch, long seed, boolean shuffle) {
        if (seq < 1 || batch < 1) {
            throw new IllegalArgumentException("TokenBatches: seq and batch must be >= 1, found " + seq + ", " + batch);
        }
        this.tokens = tokens;
        this.seq = seq;
        this.batch = batch;
        this.seed = seed;
        this.shuffle = shuffle;
        this.count = (tokens.length - 1) / seq;
        if (count < 1) {
            throw new IllegalArgumentException("TokenBatches: " + tokens.length + " tokens hold no sequence of "
                    + (seq + 1) + " tokens");
        }
        seek(0, 0);
    }

    /** @return the number of sequences */
    public int sequences() {
        return count;
    }

    /** @return the current epoch */
    public long epoch() {
        return epoch;
    }

    /** @return the next position within the epoch */
    public int cursor() {
        return cursor;
    }

    /**
     * Moves to a saved position.
     *
     * @param newEpoch  epoch
     * @param newCursor position within that epoch's order
     */
    public void seek(long newEpoch, int newCursor) {
        epoch = newEpoch;
        order = permutation(newEpoch);
        cursor = newCursor;
    }

    @Override
    public Position position() {
        return new Position(epoch, 0, cursor);
    }

    @Override
    public void seek(Position p) {
        if (p.shard() != 0) {
            throw new IllegalArgumentException("a position in shard " + p.shard() + " of a corpus held in memory");
        }
        seek(p.epoch(), Math.toIntExact(p.cursor()));
    }

    /** @return the next batch; a batch never straddles epochs, the rest of an epoch is skipped */
    @Override
    public Batch next() {
        if (cursor + batch > count) {
            seek(epoch + 1, 0);
        }
        int b = Math.min(batch, count);
        int[][] x = new int[b][seq];
        int[][] y = new int[b][seq];
        for (int i = 0; i < b; i++) {
            int start = order[(cursor + i) % count] * seq;
            System.arraycopy(tokens, start, x[i], 0, seq);
            System.arraycopy(tokens, start + 1, y[i], 0, seq);
        }
        cursor += b;
        return new Batch(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    private int[] permutation(long e) {
        return shuffle ? shuffled(count, new SplittableRandom(seed * 31 + e)) : shuffled(count, null);
    }

    /**
     * A Fisher–Yates permutation of 0..n−1, the order every training stream reads its sequences in.
     *
     * @param n   how many
     * @param rng the random stream, or null for the identity
     * @return the permutation
     */
    public static int[] shuffled(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; rng != null && i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
