package org.staged.eval.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.staged.api.AtomicFiles;
import org.staged.eval.text.Tokenizer;
import org.staged.eval.text.Tokenizers;
import org.staged.models.train.ProgressBar;

/**
 * Tokenizes training sources once into a folder of token shards (llm.c's layout, see {@link TokenShard}): the
 * first documents, up to {@code valTokens}, form the validation shard {@code val_000000.bin} (as llm.c's
 * FineWeb script holds out its first shard), the rest fill {@code train_NNNNNN.bin} of {@code shardTokens}
 * each. A manifest {@code shards.json} records the tokenizer and sources; a trained BPE is saved beside it. The
 * folder is written under a temporary name and renamed when complete, so an interrupted run leaves nothing that
 * looks finished.
 */
public final class ShardPreparer {
    /** The manifest's file name. */
    public static final String MANIFEST = "shards.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final DataDir data;
    private final List<String> sources;
    private final String tokenizer;
    private final long shardTokens;
    private final long valTokens;
    private final long maxChars;
    private final long bpeChars;
    private final boolean progress;

    /**
     * What was written.
     *
     * @param dir         the folder
     * @param chars       characters tokenized
     * @param trainTokens tokens in the training shards
     * @param valTokens   tokens in the validation shard
     * @param shards      training shards written
     * @param seconds     wall time of tokenizing and writing
     */
    public record Summary(Path dir, long chars, long trainTokens, long valTokens, int shards, double seconds) {
        /** @return text tokenized per second, in MB (of UTF-16 characters counted as bytes, as for English text) */
        public double mbPerSecond() {
            return chars / 1e6 / seconds;
        }
    }

    /**
     * @param data        the data directory with {@code train/<source>/}
     * @param sources     training sources
     * @param tokenizer   {@code byte}, {@code gpt2} or {@code bpe:N}
     * @param shardTokens tokens per training shard
     * @param valTokens   tokens of the validation shard (at least; whole documents)
     * @param maxChars    characters to read over all sources (0: all)
     * @param bpeChars    characters a BPE is trained on
     * @param progress    whether to draw a progress bar
     */
    public ShardPreparer(DataDir data, List<String> sources, String tokenizer, long shardTokens, long valTokens,
                         long maxChars, long bpeChars, boolean progress) {
        require(shardTokens >= 1 && shardTokens <= Integer.MAX_VALUE - 8, "--shard-tokens must be in [1, 2^31), found "
                + shardTokens);
        require(valTokens >= 1, "--val-tokens must be >= 1, found " + valTokens);
        require(maxChars >= 0, "--max-chars must be >= 0, found " + maxChars);
        Tokenizers.vocabSize(tokenizer);   // an unknown spec fails before anything is read
        this.data = data;
        this.sources = List.copyOf(sources);
        this.tokenizer = tokenizer;
        this.shardTokens = shardTokens;
        this.valTokens = valTokens;
        this.maxChars = maxChars;
        this.bpeChars = bpeChars;
        this.progress = progress;
    }

    /**
     * Tokenizes the sources into {@code out}.
     *
     * @param out a folder that must not exist yet
     * @return what was written
     */
    public Summary prepare(Path out) {
        if (Files.exists(out)) {
            throw new IllegalArgumentException("--out " + out + " already exists; remove it or choose another folder");
        }
        List<Path> files = new ArrayList<>();
        for (String s : sources) {
            files.addAll(data.trainFiles(s));
        }
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        try {
            deleteTree(partial);   // left by an interrupted run
            Files.createDirectories(partial);
            Tokenizer tok = Tokenizers.create(tokenizer,
                    () -> TrainingText.load(data, sources, bpeChars, 0.01, 1).train(), partial);
            long start = System.nanoTime();
            long total = files.stream().mapToLong(ShardPreparer::size).sum();   // bytes on disk, compressed or not
            Writer w = new Writer(partial, progress ? new ProgressBar("prepare bytes", total) : null, total, start);
            for (Path f : files) {
                TextFiles.forEachDocument(f, doc -> w.add(tok.encode(doc + "\n\n"), doc.length() + 2)
                        && (maxChars == 0 || w.chars < maxChars), w.bytesRead);
                if (maxChars > 0 && w.chars >= maxChars) {
                    break;
                }
            }
            w.finish();
            double seconds = (System.nanoTime() - start) / 1e9;
            ObjectNode m = JSON.createObjectNode();
            m.put("format", "llm.c token shards: 256 × int32 header (magic 20240520, version, count), uint16 "
                    + "tokens (version 1) or int32 (version 2)");
            m.put("tokenizer", tok.name());
            m.put("vocab_size", tok.vocabSize());
            m.putPOJO("sources", sources);
            m.put("chars", w.chars);
            m.put("train_tokens", w.trainTokens);
            m.put("val_tokens", w.valCount);
            m.put("shard_tokens", shardTokens);
            AtomicFiles.write(partial.resolve(MANIFEST), o -> o.write(JSON.writeValueAsBytes(m)));
            Files.move(partial, out);
            return new Summary(out, w.chars, w.trainTokens, w.valCount, w.shard, seconds);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write: " + e.getMessage(), e);
        }
    }

    /** Fills the validation shard first (whole documents), then training shards of {@code shardTokens}. */
    private final class Writer {
        private final Path dir;
        private final ProgressBar bar;
        private final long total;
        private final long start;
        private int[] val = new int[1 << 16];
        private final int[] buf = new int[(int) shardTokens];
        private int n;
        private boolean inVal = true;
        private long valCount;
        private long trainTokens;
        private long chars;
        private int shard;
        private final java.util.concurrent.atomic.AtomicLong bytesRead = new java.util.concurrent.atomic.AtomicLong();

        Writer(Path dir, ProgressBar bar, long total, long start) {
            this.dir = dir;
            this.bar = bar;
            this.total = total;
            this.start = start;
        }

        boolean add(int[] tokens, int docChars) {
            chars += docChars;
            if (inVal) {
                if (valCount + tokens.length > val.length) {
                    val = java.util.Arrays.copyOf(val, (int) Math.min(Integer.MAX_VALUE - 8,
                            Math.max(2L * val.length, valCount + tokens.length)));
                }
                System.arraycopy(tokens, 0, val, (int) valCount, tokens.length);
                valCount += tokens.length;
                if (valCount >= valTokens) {
                    TokenShard.write(dir.resolve("val_000000.bin"), val, (int) valCount);
                    val = null;
                    inVal = false;
                }
            } else {
                for (int i = 0; i < tokens.length; ) {
                    int take = (int) Math.min(tokens.length - i, shardTokens - n);
                    System.arraycopy(tokens, i, buf, n, take);
                    n += take;
                    i += take;
                    if (n == shardTokens) {
                        flush();
                    }
                }
            }
            if (bar != null) {
                double s = (System.nanoTime() - start) / 1e9;
                bar.update(Math.min(bytesRead.get(), total), String.format(Locale.ROOT, "%.1f MB/s of text, %,d tokens",
                        chars / 1e6 / s, trainTokens + n + valCount));
            }
            return true;
        }

        private void flush() {
            shard++;
            TokenShard.write(dir.resolve(String.format("train_%06d.bin", shard)), buf, n);
            trainTokens += n;
            n = 0;
        }

        void finish() {
            if (inVal) {
                throw new DataException("the sources " + sources + " hold " + valCount + " tokens, fewer than "
                        + "--val-tokens " + valTokens + " for validation alone");
            }
            if (n > 0) {
                flush();
            }
            if (shard == 0) {
                throw new DataException("the sources " + sources + " hold no tokens beyond the validation shard");
            }
            if (bar != null) {
                bar.finish();
            }
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
