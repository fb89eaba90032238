package org.staged.eval.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.testng.annotations.Test;

public class DataFetchTest {
    /** A mirror with the two evaluation files and one training file, and the checksums of its content. */
    private static Path mirror(Map<String, String> content) throws IOException {
        Path m = Files.createTempDirectory("mirror");
        for (Map.Entry<String, String> e : content.entrySet()) {
            Path f = m.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
        }
        return m;
    }

    private static final Map<String, String> FILES = Map.of(
            "wikitext/wiki.test.raw", " = Robert Boulter = \n",
            "lambada/lambada_test.jsonl", "{\"text\": \"a b c\"}\n",
            "train/wiki/a.jsonl", "{\"text\": \"hello\"}\n");

    private static Map<String, String> sumsOf(Path m, String... rels) {
        Map<String, String> out = new java.util.HashMap<>();
        for (String r : rels) {
            out.put(r, DataFetch.sha256(m.resolve(r)));
        }
        return out;
    }

    @Test
    public void mirrorIsCopiedAndVerified() throws IOException {
        Path m = mirror(FILES);
        Path dest = Files.createTempDirectory("data").resolve("data");
        List<String> log = new ArrayList<>();
        DataFetch f = new DataFetch(dest, sumsOf(m, "wikitext/wiki.test.raw", "lambada/lambada_test.jsonl"), log::add);
        List<String> written = f.fromMirror(m);
        assertEquals(written.size(), 3);
        for (Map.Entry<String, String> e : FILES.entrySet()) {
            assertEquals(Files.readString(dest.resolve(e.getKey()), StandardCharsets.UTF_8), e.getValue());
        }
        assertTrue(log.stream().anyMatch(l -> l.startsWith("verified") && l.contains("wiki.test.raw")), log.toString());
        // a second fetch finds the verified files in place
        log.clear();
        f.fromMirror(m);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("ok") && l.contains("wiki.test.raw")), log.toString());
    }

    @Test
    public void checksumMismatchNamesTheFileAndKeepsWhatWasThere() throws IOException {
        Path m = mirror(FILES);
        Path dest = Files.createTempDirectory("data");
        Path good = dest.resolve("lambada/lambada_test.jsonl");
        Files.createDirectories(good.getParent());
        Files.writeString(good, "an earlier copy\n");
        Map<String, String> sums = sumsOf(m, "wikitext/wiki.test.raw");
        sums.put("lambada/lambada_test.jsonl", "0".repeat(64));   // the mirror's copy does not match
        DataException e = expectThrows(DataException.class, () -> new DataFetch(dest, sums, s -> { }).fromMirror(m));
        assertTrue(e.getMessage().contains("lambada/lambada_test.jsonl") && e.getMessage().contains("expected "
                + "0".repeat(64)), e.getMessage());
        assertEquals(Files.readString(good), "an earlier copy\n");
        try (Stream<Path> s = Files.walk(dest)) {
            assertFalse(s.anyMatch(p -> p.toString().endsWith(".tmp")), "no temporary file is left behind");
        }
    }

    @Test
    public void mirrorsOwnChecksumListCoversTrainingFiles() throws IOException {
        Path m = mirror(FILES);
        Files.writeString(m.resolve("SHA256SUMS"), "1".repeat(64) + "  ./train/wiki/a.jsonl\n");
        Path dest = Files.createTempDirectory("data");
        Map<String, String> sums = sumsOf(m, "wikitext/wiki.test.raw", "lambada/lambada_test.jsonl");
        DataException e = expectThrows(DataException.class, () -> new DataFetch(dest, sums, s -> { }).fromMirror(m));
        assertTrue(e.getMessage().contains("train/wiki/a.jsonl"), e.getMessage());
        assertFalse(Files.exists(dest.resolve("train/wiki/a.jsonl")));
    }

    @Test
    public void missingMirrorFileAndMalformedListAreNamed() throws IOException {
        Path m = mirror(Map.of("wikitext/wiki.test.raw", "x"));
        Path dest = Files.createTempDirectory("data");
        Map<String, String> sums = Map.of("wikitext/wiki.test.raw", DataFetch.sha256(m.resolve("wikitext/wiki.test.raw")),
                "lambada/lambada_test.jsonl", "0".repeat(64));
        DataException e = expectThrows(DataException.class, () -> new DataFetch(dest, sums, s -> { }).fromMirror(m));
        assertTrue(e.getMessage().contains("missing lambada/lambada_test.jsonl"), e.getMessage());
        Files.writeString(m.resolve("SHA256SUMS"), "not a checksum line\n");
        e = expectThrows(DataException.class, () -> new DataFetch(dest, sums, s -> { }).fromMirror(m));
        assertTrue(e.getMessage().contains("SHA256SUMS:1"), e.getMessage());
    }

    @Test
    public void bundledChecksumsAreThePublishedOnes() {
        assertEquals(DataFetch.EVAL_SHA256.get("wikitext/wiki.test.raw"),
                "173c87a53759e0201f33e0ccf978e510c2042d7f2cb78229d9a50d79b9e7dd08");
        assertTrue(DataFetch.EVAL_SHA256.containsKey("lambada/lambada_test.jsonl"));
    }
}
