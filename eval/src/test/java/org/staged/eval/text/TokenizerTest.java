package org.staged.eval.text;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testng.annotations.Test;

public class TokenizerTest {
    private static final String SAMPLE = "The cat sat on the mat. The dog sat on the log. "
            + "Cats and dogs sat together; the cat's mat was the dog's log. 1234 5678 — naïve café! ";

    @Test
    public void gpt2EncodesAsPublished() {
        Gpt2Tokenizer t = new Gpt2Tokenizer();
        assertEquals(t.encode("Hello world"), new int[] {15496, 995});
        assertEquals(t.decode(new int[] {15496, 995}), "Hello world");
        assertEquals(t.vocabSize(), 50257);
    }

    @Test
    public void bytesRoundTrip() {
        ByteTokenizer t = new ByteTokenizer();
        String s = "naïve → café 日本";
        assertEquals(t.decode(t.encode(s)), s);
        assertEquals(t.encode("A"), new int[] {65});
    }

    @Test
    public void bpeLearnsMergesAndRoundTrips() throws IOException {
        BpeTokenizer t = BpeTokenizer.train(SAMPLE.repeat(20), 300);
        assertEquals(t.vocabSize(), 300);
        String s = "The cat sat on the dog's log, naïve café 日本 🙂";
        assertEquals(t.decode(t.encode(s)), s);
        assertTrue(t.encode(SAMPLE).length < SAMPLE.getBytes("UTF-8").length / 2,
                "a trained BPE should compress its own text");
        assertEquals(t.encode(" the"), new int[] {t.encode(" the")[0]}, "frequent word is one token");
        Path f = Files.createTempDirectory("bpe").resolve("tokenizer.json");
        t.save(f);
        BpeTokenizer loaded = BpeTokenizer.load(f);
        assertEquals(loaded.encode(SAMPLE), t.encode(SAMPLE));
        assertEquals(BpeTokenizer.train(SAMPLE.repeat(20), 300).encode(SAMPLE), t.encode(SAMPLE), "deterministic");
    }

    @Test
    public void tokenizersFactorySavesAndReloadsTheTrainedBpe() throws IOException {
        Path dir = Files.createTempDirectory("run");
        Tokenizer a = Tokenizers.create("bpe:280", () -> SAMPLE.repeat(10), dir);
        assertTrue(Files.exists(dir.resolve(Tokenizers.FILE)));
        Tokenizer b = Tokenizers.create("bpe:280", () -> { throw new AssertionError("should not retrain"); }, dir);
        assertEquals(b.encode(SAMPLE), a.encode(SAMPLE));
        assertNotEquals(a.encode(SAMPLE).length, SAMPLE.length());
    }
}
