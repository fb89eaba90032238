package org.staged.reproduce;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/** A data directory of random sentences over a twelve-word vocabulary, for tests of whole commands. */
public final class GeneratedData {
    private GeneratedData() {
    }

    /**
     * Writes {@code train/demo/part-000.jsonl.gz} under a new temporary directory.
     *
     * @return the data directory
     */
    public static Path trainingText(long seed, int documents, int wordsPerDocument) throws IOException {
        Path data = Files.createTempDirectory("data");
        Path src = Files.createDirectories(data.resolve("train/demo"));
        SplittableRandom rng = new SplittableRandom(seed);
        String[] words = {"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "to", "its", "log"};
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(src.resolve("part-000.jsonl.gz")))) {
            for (int d = 0; d < documents; d++) {
                StringBuilder s = new StringBuilder();
                for (int w = 0; w < wordsPerDocument; w++) {
                    s.append(words[rng.nextInt(words.length)]).append(w % 12 == 11 ? ".\\n" : " ");
                }
                o.write(("{\"text\": \"" + s + "\"}\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return data;
    }
}
