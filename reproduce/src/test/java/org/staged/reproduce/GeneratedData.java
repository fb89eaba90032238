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

    /**
     * Adds a small WikiText-103 test file and LAMBADA test file, so a preset can run its evaluations.
     *
     * @return the data directory
     */
    public static Path withEvaluationFiles(Path data) throws IOException {
        Files.createDirectories(data.resolve("wikitext"));
        Files.writeString(data.resolve("wikitext/wiki.test.raw"), " = Title = \n the cat sat on the mat .\n".repeat(30));
        Files.createDirectories(data.resolve("lambada"));
        Files.writeString(data.resolve("lambada/lambada_test.jsonl"),
                "{\"text\": \"the dog ran to its log\"}\n{\"text\": \"a cat sat on a mat\"}\n");
        return data;
    }

    /**
     * A preset of micro models (4 × 16, context 16, 40 steps) over {@code demo}, with the given grown runs.
     *
     * @param runs preset lines such as {@code practical.2xD = depth}
     * @return the preset file
     */
    public static Path microPreset(String... runs) throws IOException {
        Path preset = Files.createTempDirectory("preset").resolve("micro.preset");
        java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of(
                "name = micro", "description = a test", "data.sources = demo", "data.max_chars = 200000",
                "data.val_fraction = 0.05", "data.tokenizer = byte", "train.batch = 4", "train.lr = 0.003",
                "train.warmup = 4", "train.lr_decay_steps = 400", "train.eval_every = 4", "train.dropout = 0.1",
                "train.eval_batches = 2", "train.attn_dropout = 0.1", "targets = base",
                "target.base.model = micro", "target.base.d_model = 16", "target.base.n_head = 4",
                "target.base.n_layer = 4", "target.base.context = 16", "target.base.steps = 40",
                "target.base.checkpoints = 12, 24, 40", "seeds = 1", "parallel_runs = 2", "original.steps_fraction = 0.5",
                "schedule.constants = estimated", "eval.wikitext_chars = 400", "eval.lambada_passages = 2",
                "eval.points = 2"));
        lines.addAll(java.util.List.of(runs));
        Files.writeString(preset, String.join("\n", lines) + "\n");
        return preset;
    }
}
