package org.staged.eval.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * Reads documents from JSON-lines files ({@code {"text": ...}} per line, optionally gzip-compressed) or plain
 * text files (the whole file is one document).
 */
public final class TextFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TextFiles() {
    }

    /**
     * Streams the documents of {@code file} to {@code sink} until it returns false.
     *
     * @param file a {@code .jsonl.gz}, {@code .jsonl} or other (plain text) file
     * @param sink receives each document's text; returns false to stop early
     * @throws DataException naming the file and line of a malformed JSON line
     */
    public static void forEachDocument(Path file, Predicate<String> sink) {
        forEachDocument(file, sink, new java.util.concurrent.atomic.AtomicLong());
    }

    /**
     * As {@link #forEachDocument(Path, Predicate)}, counting the bytes read from the file (compressed, for a
     * {@code .gz}) into {@code bytesRead}: what a progress bar over files can show.
     *
     * @param file      the file
     * @param sink      receives each document's text; returns false to stop early
     * @param bytesRead incremented as the file is read
     */
    public static void forEachDocument(Path file, Predicate<String> sink, java.util.concurrent.atomic.AtomicLong bytesRead) {
        String name = file.getFileName().toString();
        try (InputStream raw = new java.io.FilterInputStream(Files.newInputStream(file)) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        bytesRead.addAndGet(n);
                    }
                    return n;
                }
            };
             InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            if (!name.endsWith(".jsonl") && !name.endsWith(".jsonl.gz")) {
                StringBuilder all = new StringBuilder();
                char[] buf = new char[1 << 16];
                for (int n; (n = r.read(buf)) > 0; ) {
                    all.append(buf, 0, n);
                }
                sink.test(all.toString());
                return;
            }
            long line = 0;
            for (String s; (s = r.readLine()) != null; ) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                if (!sink.test(text(s, file, line))) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static String text(String jsonLine, Path file, long line) {
        JsonNode node;
        try {
            node = JSON.readTree(jsonLine);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new DataException(file + ":" + line + ": malformed JSON: " + e.getOriginalMessage());
        }
        JsonNode t = node == null ? null : node.get("text");
        if (t == null || !t.isTextual()) {
            throw new DataException(file + ":" + line + ": expected an object with a string field \"text\"");
        }
        return t.asText();
    }
}
