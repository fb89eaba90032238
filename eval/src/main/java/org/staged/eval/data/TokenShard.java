package org.staged.eval.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.staged.api.AtomicFiles;

/**
 * A file of pre-tokenized text in the layout llm.c's data scripts write: a header of 256 little-endian int32
 * (magic 20240520, version, token count, then zeros), then the tokens, uint16 in version 1 and int32 in version 2
 * (for vocabularies above 65,535). Read memory-mapped: a shard is never held on the Java heap.
 */
public final class TokenShard {
    /** The header's first int32. */
    public static final int MAGIC = 20240520;
    /** Header size in bytes. */
    public static final int HEADER_BYTES = 256 * 4;

    private final Path file;
    private final MappedByteBuffer data;
    private final int version;
    private final long tokens;
    private final int vocabSize;

    private TokenShard(Path file, MappedByteBuffer data, int version, long tokens, int vocabSize) {
        this.file = file;
        this.data = data;
        this.version = version;
        this.tokens = tokens;
        this.vocabSize = vocabSize;
    }

    /**
     * Writes {@code tokens} as a shard (version 1 when every token fits in uint16, else 2), atomically.
     *
     * @param file   destination
     * @param tokens token ids, each in [0, 2^31)
     */
    public static void write(Path file, int[] tokens) {
        write(file, tokens, tokens.length);
    }

    /**
     * Writes the first {@code n} of {@code tokens} as a shard, atomically.
     *
     * @param file   destination
     * @param tokens token ids, each in [0, 2^31)
     * @param n      how many to write
     */
    public static void write(Path file, int[] tokens, int n) {
        int max = 0;
        for (int i = 0; i < n; i++) {
            int t = tokens[i];
            if (t < 0) {
                throw new IllegalArgumentException(file + ": negative token id " + t);
            }
            max = Math.max(max, t);
        }
        int version = max <= 0xFFFF ? 1 : 2;
        int width = version == 1 ? 2 : 4;
        AtomicFiles.write(file, out -> {
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(MAGIC).putInt(version).putInt(n);
            out.write(h.array());
            ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                int t = tokens[i];
                if (b.remaining() < width) {
                    out.write(b.array(), 0, b.position());
                    b.clear();
                }
                if (width == 2) {
                    b.putShort((short) t);
                } else {
                    b.putInt(t);
                }
            }
            out.write(b.array(), 0, b.position());
        });
    }

    /**
     * Opens a shard, checking its header and length against the file. Tokens are checked against the
     * vocabulary as they are read, so opening a corpus touches none of its pages.
     *
     * @param file      the shard
     * @param vocabSize tokens must lie below it
     * @return the mapped shard
     * @throws DataException naming the file and byte offset of what is wrong
     */
    public static TokenShard open(Path file, int vocabSize) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES) {
                throw new DataException(file + ": " + size + " bytes, shorter than the 1,024-byte shard header (truncated?)");
            }
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            m.order(ByteOrder.LITTLE_ENDIAN);
            int magic = m.getInt(0);
            int version = m.getInt(4);
            long count = Integer.toUnsignedLong(m.getInt(8));
            if (magic != MAGIC) {
                throw new DataException(file + ": offset 0: magic " + magic + ", expected " + MAGIC
                        + " (not an llm.c token shard)");
            }
            if (version != 1 && version != 2) {
                throw new DataException(file + ": offset 4: version " + version + ", expected 1 (uint16 tokens) or 2 (int32)");
            }
            long expected = HEADER_BYTES + count * (version == 1 ? 2 : 4);
            if (size != expected) {
                throw new DataException(file + ": offset 8: header says " + count + " tokens (" + expected
                        + " bytes) but the file has " + size + " bytes" + (size < expected ? " (truncated)" : ""));
            }
            return new TokenShard(file, m, version, count, vocabSize);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private long offset(long i) {
        return HEADER_BYTES + i * (version == 1 ? 2 : 4);
    }

    /** @return the number of tokens */
    public long size() {
        return tokens;
    }

    /** @return 1 (uint16 tokens) or 2 (int32) */
    public int version() {
        return version;
    }

    /** @return the shard's file */
    public Path file() {
        return file;
    }

    /**
     * @param i token index
     * @return the token id
     * @throws DataException naming the file and byte offset when the token lies outside the vocabulary
     */
    public int get(long i) {
        int at = Math.toIntExact(offset(i));
        int t = version == 1 ? Short.toUnsignedInt(data.getShort(at)) : data.getInt(at);
        if (t < 0 || t >= vocabSize) {
            throw new DataException(file + ": offset " + at + ": token " + t + " is outside the vocabulary of "
                    + vocabSize);
        }
        return t;
    }
}
