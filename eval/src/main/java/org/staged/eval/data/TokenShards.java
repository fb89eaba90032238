package org.staged.eval.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.models.train.TokenBatches;
import org.staged.models.train.TrainingData;
import org.staged.models.train.TrainingStream;

/**
 * A folder of token shards ({@code data prepare}'s, or llm.c's such as FineWeb or TinyStories): every
 * {@code *.bin} whose name contains {@code val} is validation, the others are training. Training batches stream
 * memory-mapped in a seeded order: each epoch visits the shards in a new order and each shard's sequences in a
 * new order, so no token is read twice before the corpus is used up; only the current shard's order is held.
 */
public final class TokenShards implements TrainingData {
    private final Path dir;
    private final List<TokenShard> train;
    private final List<TokenShard> val;
    private Consumer<String> notice = System.err::println;

    private TokenShards(Path dir, List<TokenShard> train, List<TokenShard> val) {
        this.dir = dir;
        this.train = train;
        this.val = val;
    }

    /**
     * Opens every shard in {@code dir}, checking headers.
     *
     * @param dir       the folder
     * @param vocabSize tokens must lie below it (checked as they are read)
     * @return the corpus
     * @throws DataException when the folder has no training or no validation shard, or a header is bad
     */
    public static TokenShards open(Path dir, int vocabSize) {
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir + ": no such directory of token shards (staged data prepare writes one)");
        }
        List<TokenShard> train = new ArrayList<>();
        List<TokenShard> val = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".bin")).sorted().toList()) {
                (f.getFileName().toString().contains("val") ? val : train).add(TokenShard.open(f, vocabSize));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list: " + e.getMessage(), e);
        }
        if (train.isEmpty() || val.isEmpty()) {
            throw new DataException(dir + ": expected training shards and a validation shard (*val*.bin), found "
                    + train.size() + " and " + val.size());
        }
        return new TokenShards(dir, train, val);
    }

    /** Where the once-per-epoch line goes that says the corpus was used up (default: stderr). */
    public TokenShards onNotice(Consumer<String> sink) {
        this.notice = sink;
        return this;
    }

    /** @return the folder */
    public Path dir() {
        return dir;
    }

    /** @return training tokens over all training shards */
    public long trainTokens() {
        return train.stream().mapToLong(TokenShard::size).sum();
    }

    /** @return the training shards, in file-name order */
    public List<TokenShard> trainShards() {
        return train;
    }

    /**
     * The start of the validation shards as one stream: the trainer evaluates on its first batches.
     *
     * @param max most tokens to read
     * @return up to {@code max} validation tokens
     */
    public int[] validationTokens(long max) {
        long n = Math.min(max, val.stream().mapToLong(TokenShard::size).sum());
        int[] out = new int[Math.toIntExact(n)];
        int k = 0;
        for (TokenShard s : val) {
            for (long i = 0; i < s.size() && k < n; i++) {
                out[k++] = s.get(i);
            }
        }
        return out;
    }

    @Override
    public TrainingStream open(int seq, int batch, long seed) {
        return new ShardStream(seq, batch, seed);
    }

    /** The stream: position (epoch, index in the epoch's shard order, next sequence in that shard's order). */
    private final class ShardStream implements TrainingStream {
        private final int seq;
        private final int batch;
        private final long seed;
        private long epoch;
        private int shard;
        private long cursor;
        private int[] shardOrder;   // shard indices of this epoch
        private int[] seqOrder;     // sequence indices of the current shard in this epoch

        ShardStream(int seq, int batch, long seed) {
            if (train.stream().allMatch(s -> sequences(s, seq) == 0)) {
                throw new DataException(dir + ": no training shard holds a sequence of " + (seq + 1) + " tokens");
            }
            this.seq = seq;
            this.batch = batch;
            this.seed = seed;
            seek(Position.START);
        }

        @Override
        public Position position() {
            return new Position(epoch, shard, cursor);
        }

        @Override
        public void seek(Position p) {
            if (p.shard() < 0 || p.shard() >= train.size()) {
                throw new IllegalArgumentException("position in shard " + p.shard() + " of a corpus of " + train.size()
                        + " training shards (" + dir + ")");
            }
            epoch = p.epoch();
            shardOrder = TokenBatches.shuffled(train.size(), new SplittableRandom(seed * 31 + epoch));
            enterShard(p.shard());
            cursor = p.cursor();
        }

        private void enterShard(int k) {
            shard = k;
            cursor = 0;
            TokenShard s = train.get(shardOrder[k]);
            seqOrder = TokenBatches.shuffled(sequences(s, seq), new SplittableRandom((seed * 31 + epoch) * 1_000_003L + shardOrder[k]));
        }

        @Override
        public TokenBatches.Batch next() {
            int[][] x = new int[batch][seq];
            int[][] y = new int[batch][seq];
            for (int row = 0; row < batch; row++) {
                while (cursor >= seqOrder.length) {   // shard used up: the next one, or a new epoch
                    if (shard + 1 < train.size()) {
                        enterShard(shard + 1);
                    } else {
                        notice.accept(String.format("training data: all %,d tokens of %d shard(s) in %s used; epoch %d "
                                + "starts in a new order", trainTokens(), train.size(), dir, epoch + 1));
                        epoch++;
                        shardOrder = TokenBatches.shuffled(train.size(), new SplittableRandom(seed * 31 + epoch));
                        enterShard(0);
                    }
                }
                TokenShard s = train.get(shardOrder[shard]);
                long start = (long) seqOrder[(int) cursor++] * seq;
                for (int j = 0; j < seq; j++) {
                    x[row][j] = s.get(start + j);
                }
                System.arraycopy(x[row], 1, y[row], 0, seq - 1);
                y[row][seq - 1] = s.get(start + seq);
            }
            return new TokenBatches.Batch(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
        }
    }

    private static int sequences(TokenShard s, int seq) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, (s.size() - 1) / seq));
    }

}
