package org.staged.eval.text;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.testng.annotations.Test;

public class HfTokenizerTest {
    /** Text that exercises every branch of GPT-2's regex, Unicode whitespace, and multi-byte characters. */
    static final String EDGES = String.join("\n", List.of(
            "She's here, they'll go; we've 12,345.67 apples... isn't it?",
            " = Valkyria Chronicles III = ",
            "tabs\tand  double  spaces   and trailing   ",
            "non\u00a0breaking\u00a0space, ideographic\u3000space, em\u2003space, line\u2028separator",
            "naïve café — “quotes” ‘single’ Ελληνικά русский 中文字符 日本語 한국어 ١٢٣ ⅷ",
            "emoji 😀👍🏽 and combining é, math ∑∫√, symbols @#$%^&*()[]{}<>~`|\\",
            "'S 'T 'RE mixed CASE 'd'll'm'",
            "\r\nwindows line\r\n\n\n  indented",
            "runs of\u00a0\u00a0\u00a0non-breaking, \u3000\u3000 ideographic,\u2003\u2003\u2003x and NEL\u0085\u0085y",
            "<|endoftext|> is text here"));

    /** WikiText-103's test file where the data directory can be found, else none. */
    static Path wikitext() {
        List<Path> roots = new ArrayList<>();
        String env = System.getenv("STAGED_DATA_DIR");
        if (env != null) {
            roots.add(Path.of(env));
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            roots.add(p.resolve("shared/data"));
            roots.add(p.resolve("data"));
        }
        return roots.stream().map(r -> r.resolve("wikitext/wiki.test.raw")).filter(Files::exists).findFirst().orElse(null);
    }

    /** The lines the check runs on: WikiText's first 10,000 lines when present, and always the edge cases. */
    static List<String> lines() throws IOException {
        List<String> lines = new ArrayList<>(List.of(EDGES.split("\n")));
        Path w = wikitext();
        if (w != null) {
            try (Stream<String> s = Files.lines(w, StandardCharsets.UTF_8)) {
                s.limit(10_000).forEach(l -> lines.add(l + "\n"));
            }
        } else {
            System.err.println("HfTokenizerTest: WikiText-103 not found (set STAGED_DATA_DIR); checking the edge cases only");
        }
        return lines;
    }

    private static HfTokenizer roundTrip(Tokenizer tok) throws IOException {
        return HfTokenizer.read(written(tok).resolve(HfTokenizer.FILE));
    }

    private static Path written(Tokenizer tok) throws IOException {
        Path dir = Files.createTempDirectory("hf-tok");
        HfTokenizer.of(tok).write(dir, 1024);
        return dir;
    }

    private static void assertSameIds(Tokenizer run, Tokenizer exported, List<String> lines) {
        int tokens = 0;
        for (String line : lines) {
            if (line.contains(HfTokenizer.END_OF_TEXT) && exported.vocabSize() == 50257) {
                continue;   // tokenizers reads it as the special token, the run's encoder as text (checked below)
            }
            int[] want = run.encode(line);
            assertEquals(exported.encode(line), want, line);
            assertEquals(exported.decode(want), line);
            tokens += want.length;
        }
        assertTrue(tokens > lines.size(), "too few tokens checked: " + tokens);
    }

    @Test
    public void exportedGpt2ReproducesTheRunsIds() throws IOException {
        HfTokenizer hf = roundTrip(new Gpt2Tokenizer());
        assertEquals(hf.vocabSize(), 50257);
        assertEquals(hf.endOfText(), Integer.valueOf(50256));
        assertEquals(hf.mergeCount(), 50_000, "one merge per token, as GPT-2's merges.txt");
        assertSameIds(new Gpt2Tokenizer(), hf, lines());
        // GPT-2's own vocab.json: "Ġthe" is 262, "Ġt" 256
        assertEquals(hf.encode(" the"), new int[] {262});
        assertEquals(hf.encode(" t"), new int[] {256});
        assertEquals(hf.encode("a<|endoftext|>b"), new int[] {64, 50256, 65});
        // GPT-2's merges.txt begins "Ġ t", "Ġ a", "h e", "i n", "r e"
        List<String> merges = Files.readAllLines(written(new Gpt2Tokenizer()).resolve("merges.txt"));
        assertEquals(merges.subList(0, 6), List.of("#version: 0.2", "\u0120 t", "\u0120 a", "h e", "i n", "r e"));
    }

    @Test
    public void exportedBpeReproducesTheRunsIds() throws IOException {
        List<String> lines = lines();
        String text = String.join("", lines.subList(0, Math.min(lines.size(), 3000)));
        BpeTokenizer bpe = BpeTokenizer.train(text, 2048);
        HfTokenizer hf = roundTrip(bpe);
        assertEquals(hf.vocabSize(), bpe.vocabSize());
        assertEquals(hf.mergeCount(), bpe.vocabSize() - 256);
        assertEquals(hf.endOfText(), null);
        assertSameIds(bpe, hf, lines);
        assertSameIds(new ByteTokenizer(), roundTrip(new ByteTokenizer()), lines);
    }

    @Test
    public void fileIsWhatTokenizersReads() throws IOException {
        Path dir = Files.createTempDirectory("hf-tok");
        HfTokenizer.of(BpeTokenizer.train(EDGES.repeat(10), 300)).write(dir, 128);
        JsonNode root = new ObjectMapper().readTree(dir.resolve(HfTokenizer.FILE).toFile());
        assertEquals(root.at("/model/type").asText(), "BPE");
        assertEquals(root.at("/pre_tokenizer/type").asText(), "ByteLevel");
        assertEquals(root.at("/pre_tokenizer/add_prefix_space").asBoolean(), false);
        assertEquals(root.at("/pre_tokenizer/use_regex").asBoolean(), true);
        assertEquals(root.at("/decoder/type").asText(), "ByteLevel");
        // bytes_to_unicode: space is Ġ (U+0120), newline Ċ (U+010A), 'a' itself
        assertEquals(root.at("/model/vocab").get("\u0120").asInt(), 32);
        assertEquals(root.at("/model/vocab").get("\u010a").asInt(), 10);
        assertEquals(root.at("/model/vocab").get("a").asInt(), 97);
        assertEquals(root.at("/model/merges").size(), 300 - 256);
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("tokenizer_config.json").toFile());
        assertTrue(cfg.get("eos_token").isNull(), "no <|endoftext|> to name in a BPE of the run's own");
        assertEquals(cfg.get("model_max_length").asInt(), 128);
        List<String> merges = Files.readAllLines(dir.resolve("merges.txt"));
        assertEquals(merges.get(0), "#version: 0.2");
        assertEquals(merges.size(), 1 + 300 - 256);
        assertEquals(new ObjectMapper().readTree(dir.resolve("vocab.json").toFile()).size(), 300);
    }

    @Test
    public void otherTokenizerFilesAreRefusedByName() throws IOException {
        Path f = Files.createTempFile("tok", ".json");
        Files.writeString(f, "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}");
        String m = expectThrows(IllegalArgumentException.class, () -> HfTokenizer.read(f)).getMessage();
        assertTrue(m.contains(f.toString()) && m.contains("WordPiece"), m);
        Files.writeString(f, "{\"normalizer\":{\"type\":\"NFC\"},\"pre_tokenizer\":{\"type\":\"ByteLevel\"},"
                + "\"model\":{\"type\":\"BPE\",\"vocab\":{}}}");
        m = expectThrows(IllegalArgumentException.class, () -> HfTokenizer.read(f)).getMessage();
        assertTrue(m.contains("normalizer"), m);
    }

    @Test
    public void hfSpecReadsTheFoldersTokenizer() throws IOException {
        Path dir = Files.createTempDirectory("hf-tok");
        BpeTokenizer bpe = BpeTokenizer.train(EDGES.repeat(10), 320);
        HfTokenizer.of(bpe).write(dir, 64);
        Tokenizer t = Tokenizers.create("hf:" + dir, () -> "", dir);
        assertEquals(t.vocabSize(), 320);
        assertEquals(Tokenizers.vocabSize("hf:" + dir), 320);
        assertEquals(t.encode(EDGES), bpe.encode(EDGES));
        Path empty = Files.createTempDirectory("none");
        assertTrue(expectThrows(IllegalArgumentException.class, () -> Tokenizers.create("hf:" + empty, () -> "", empty))
                .getMessage().contains("tokenizer.json"));
    }
}
