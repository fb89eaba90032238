package org.staged.reproduce;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.ShardPreparer;
import org.staged.reproduce.preset.Preset;
import org.testng.annotations.Test;

/** The GPU presets' own code path (token shards, micro-batches, per-size LR, the plan) on a micro model. */
public class GpuPresetTest {

    /**
     * The built-in preset's text with some keys' values replaced (or added; a null value drops the key), everything
     * else as shipped.
     */
    static String overridden(String text, Map<String, String> values) {
        Map<String, String> left = new LinkedHashMap<>(values);
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String key = line.contains("=") && !line.startsWith("#") ? line.substring(0, line.indexOf('=')).trim() : null;
            if (key != null && left.containsKey(key)) {
                String v = left.remove(key);
                if (v != null) {
                    out.add(key + " = " + v);
                }
            } else {
                out.add(line);
            }
        }
        left.forEach((k, v) -> out.add(k + " = " + v));
        return String.join("\n", out) + "\n";
    }

    @Test
    public void gpt2BaseStartsOnAMicroModelPrintsItsPlanAndTrainsFromShards() throws IOException {
        Path data = GeneratedData.withEvaluationFiles(GeneratedData.trainingText(5, 120, 150));
        new ShardPreparer(new DataDir(data), List.of("demo"), "gpt2", 20_000, 2_000, 0, 0, false)
                .prepare(data.resolve("shards/c4_en-gpt2"));
        Map<String, String> micro = new LinkedHashMap<>();
        micro.put("target.base.model", "micro");
        micro.put("target.base.d_model", "16");
        micro.put("target.base.n_head", "4");
        micro.put("target.base.n_layer", "4");
        micro.put("target.base.context", "16");
        micro.put("target.base.steps", "48");
        micro.put("target.base.checkpoints", "16, 32, 48");
        micro.put("train.batch", "4");
        micro.put("train.micro_batch", "2");
        micro.put("train.warmup", "4");
        micro.put("train.lr_decay_steps", "400");
        micro.put("train.eval_every", "4");
        micro.put("train.eval_batches", "2");
        micro.put("eval.wikitext_chars", "400");
        micro.put("eval.lambada_passages", "2");
        micro.put("eval.points", "2");
        for (String dropped : List.of("manual.2xD", "practical.4xW", "practical.2xD", "practical.4xD",
                "practical.2xDxW", "practical.2x2xW", "ablation.ffn-share", "ablation.width-zero-opt",
                "ablation.depth-zero-opt", "ablation.width-lr-restart", "ablation.depth-lr-restart")) {
            micro.put(dropped, null);   // fewer runs of the same kinds, to keep the test short
        }
        String text = overridden(Preset.text("gpt2-base"), micro);
        assertTrue(text.contains("data.shards = shards/c4_en-gpt2") && text.contains("train.lr = kaplan"));
        Path preset = Files.createTempDirectory("preset").resolve("gpt2-base-micro.preset");
        Files.writeString(preset, text.replace("name = gpt2-base", "name = gpt2-base-micro"));
        Path results = Files.createTempDirectory("results");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.out;
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = ReproduceMain.run("reproduce", "--preset", preset.toString(), "--data-dir", data.toString(),
                    "--results", results.toString(), "--threads", "1", "-q");
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(code, 0, err.toString(StandardCharsets.UTF_8));
        int plan = printed.indexOf("plan: training data");
        assertTrue(plan >= 0 && plan < printed.indexOf("[1]"), "the plan comes before the first run:\n" + printed);
        assertTrue(printed.contains("tokens in 1 shard(s), streamed")
                && printed.contains("48 steps × 4 × 16 = 3,072 tokens for the baseline")
                && printed.contains("micro-batch 2 × 2 pass(es) per step (given)")
                && printed.contains("at the stated 100,000 tokens/s"), printed);
        String report = Files.readString(results.resolve("gpt2-base-micro/REPORT.md"));
        assertTrue(report.contains("each model's own peak LR"), report);
        assertTrue(Files.exists(results.resolve("gpt2-base-micro/table1.md")));
    }
}
