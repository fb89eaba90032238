package org.staged.eval.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.testng.annotations.Test;

public class DataTest {
    static Path dataDir(String... lines) throws IOException {
        Path root = Files.createTempDirectory("data");
        Path src = Files.createDirectories(root.resolve("train/demo"));
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(src.resolve("part-000.jsonl.gz")))) {
            o.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        }
        return root;
    }

    @Test
    public void readsGzipJsonLines() throws IOException {
        Path root = dataDir("{\"text\": \"first doc\", \"id\": 1}", "", "{\"text\": \"second\\ndoc\"}");
        List<String> docs = new ArrayList<>();
        TextFiles.forEachDocument(new DataDir(root).trainFiles("demo").get(0), docs::add);
        assertEquals(docs, List.of("first doc", "second\ndoc"));
    }

    @Test
    public void malformedLineNamesFileAndLine() throws IOException {
        Path root = dataDir("{\"text\": \"ok\"}", "{\"text\": broken", "{\"text\": \"ok\"}");
        Path f = new DataDir(root).trainFiles("demo").get(0);
        DataException e = expectThrows(DataException.class, () -> TextFiles.forEachDocument(f, d -> true));
        assertTrue(e.getMessage().startsWith(f + ":2:"), e.getMessage());
        Path g = dataDir("{\"title\": \"no text\"}");
        Path gf = new DataDir(g).trainFiles("demo").get(0);
        e = expectThrows(DataException.class, () -> TextFiles.forEachDocument(gf, d -> true));
        assertTrue(e.getMessage().startsWith(gf + ":1:") && e.getMessage().contains("\"text\""), e.getMessage());
    }

    @Test
    public void missingDirectorySaysHowToSetIt() {
        DataException e = expectThrows(DataException.class, () -> DataDir.resolve(Path.of("/nonexistent/dir")));
        assertTrue(e.getMessage().contains("--data-dir") && e.getMessage().contains(DataDir.ENV), e.getMessage());
    }

    @Test
    public void splitIsSeededAndHoldsOutAboutTheFraction() throws IOException {
        StringBuilder doc = new StringBuilder();
        for (int i = 0; i < 4000; i++) {
            doc.append("line ").append(i).append(" of a long book\n");
        }
        Path root = dataDir("{\"text\": \"" + doc.toString().replace("\n", "\\n") + "\"}");
        TrainingText a = TrainingText.load(new DataDir(root), List.of("demo"), 1_000_000, 0.2, 7);
        TrainingText b = TrainingText.load(new DataDir(root), List.of("demo"), 1_000_000, 0.2, 7);
        assertEquals(a, b);
        double frac = (double) a.val().length() / (a.val().length() + a.train().length());
        assertTrue(frac > 0.08 && frac < 0.35, "held-out fraction " + frac);
        assertTrue(a.train().contains("line 0 ") || a.val().contains("line 0 "));
        TrainingText capped = TrainingText.load(new DataDir(root), List.of("demo"), 1000, 0.2, 7);
        assertTrue(capped.train().length() + capped.val().length() <= 1000 + 4, "cap respected");
    }
}
