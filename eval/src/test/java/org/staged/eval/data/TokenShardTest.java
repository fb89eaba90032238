package org.staged.eval.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.testng.annotations.Test;

public class TokenShardTest {
    /** A shard laid out by hand as llm.c's scripts write it, independent of {@link TokenShard#write}. */
    static Path handWritten(int[] tokens) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1024 + 2 * tokens.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(20240520).putInt(1).putInt(tokens.length);
        b.position(1024);
        for (int t : tokens) {
            b.putShort((short) t);
        }
        Path f = Files.createTempDirectory("shard").resolve("fineweb_train_000001.bin");
        Files.write(f, b.array());
        return f;
    }

    @Test
    public void readsAnLlmcShardAndWritesTheSameBytes() throws IOException {
        SplittableRandom rng = new SplittableRandom(1);
        int[] tokens = rng.ints(5000, 0, 50257).toArray();
        Path f = handWritten(tokens);
        TokenShard s = TokenShard.open(f, 50257);
        assertEquals(s.version(), 1);
        assertEquals(s.size(), 5000);
        for (int i = 0; i < tokens.length; i++) {
            assertEquals(s.get(i), tokens[i]);
        }
        Path mine = f.resolveSibling("mine.bin");
        TokenShard.write(mine, tokens);
        assertEquals(Files.readAllBytes(mine), Files.readAllBytes(f));
    }

    @Test
    public void aVocabularyAbove65535UsesVersion2() throws IOException {
        int[] tokens = {0, 70_000, 65_535, 3};
        Path f = Files.createTempDirectory("shard").resolve("v2.bin");
        TokenShard.write(f, tokens);
        TokenShard s = TokenShard.open(f, 100_000);
        assertEquals(s.version(), 2);
        assertEquals(Files.size(f), 1024 + 4 * 4);
        assertEquals(s.get(1), 70_000);
    }

    @Test
    public void badShardsAreOneErrorNamingFileAndOffset() throws IOException {
        int[] tokens = {1, 2, 3, 4, 5};
        Path wrongMagic = handWritten(tokens);
        try (RandomAccessFile r = new RandomAccessFile(wrongMagic.toFile(), "rw")) {
            r.write(new byte[] {1, 2, 3, 4});
        }
        DataException e = expectThrows(DataException.class, () -> TokenShard.open(wrongMagic, 10));
        assertTrue(e.getMessage().startsWith(wrongMagic + ": offset 0: magic"), e.getMessage());

        Path truncated = handWritten(tokens);
        try (RandomAccessFile r = new RandomAccessFile(truncated.toFile(), "rw")) {
            r.setLength(1024 + 7);
        }
        e = expectThrows(DataException.class, () -> TokenShard.open(truncated, 10));
        assertTrue(e.getMessage().contains(truncated + ": offset 8: header says 5 tokens") && e.getMessage().contains("truncated"),
                e.getMessage());

        Path outOfVocab = handWritten(new int[] {1, 2, 12, 4});
        TokenShard s = TokenShard.open(outOfVocab, 10);
        assertEquals(s.get(1), 2);
        e = expectThrows(DataException.class, () -> s.get(2));
        assertEquals(e.getMessage(), outOfVocab + ": offset 1028: token 12 is outside the vocabulary of 10");
    }
}
