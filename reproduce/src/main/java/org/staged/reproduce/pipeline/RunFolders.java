package org.staged.reproduce.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.staged.api.AtomicFiles;
import org.staged.eval.data.DataException;
import org.staged.api.ModelConfig;
import org.staged.models.train.Trainer;
import org.staged.reproduce.preset.Preset;

/**
 * Where runs live and the files that make a run folder resumable and auditable: under
 * {@code runs/TARGET/seed-N/}, the baseline, one {@code original-SHAPE} per original model, one folder per
 * practical (staged) run, and {@code LABEL/stage-K} for the stages of manual runs and ablations. A stage folder
 * holds {@code start.json} (where on the target's schedule it began), {@code growth.json} (how it was grown)
 * and {@code done.json} (finished); the snapshots kept once a target and seed are done.
 */
final class RunFolders {
    static final String DONE = "done.json";
    static final String START = "start.json";
    static final String GROWTH = "growth.json";
    /** The folder layout: practical runs are staged runs, each in one folder. */
    private static final String LAYOUT = "staged-runs/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunFolders() {
    }

    /** @return the folder of one target and seed */
    static Path seed(Path root, Preset.Target target, long seed) {
        return root.resolve("runs").resolve(target.name()).resolve("seed-" + seed);
    }

    /** @return the folder of a model trained from scratch: the baseline or an original */
    static Path fresh(Path seedDir, String name) {
        return seedDir.resolve(name);
    }

    /** @return the folder of an original (small) model */
    static Path original(Path seedDir, ModelConfig c) {
        return seedDir.resolve("original-" + shape(c));
    }

    /** @return the folder of a grown run (a staged run's only folder) */
    static Path run(Path seedDir, Preset.GrownRun run) {
        return seedDir.resolve(run.label());
    }

    /** @return the folder of stage k (from 1) of a manual run or ablation */
    static Path stage(Path seedDir, Preset.GrownRun run, int k) {
        return run(seedDir, run).resolve("stage-" + k);
    }

    /** @return a folder-safe shape label, e.g. {@code d64-h2-L4} */
    static String shape(ModelConfig c) {
        return "d" + c.dModel() + "-h" + c.nHead() + "-L" + c.nLayer() + (c.dFf() != 4 * c.dModel() ? "-ff" + c.dFf() : "");
    }

    /**
     * Refuses to mix results of different presets (or of an earlier layout) under one name.
     *
     * @return the SHA-256 of the recorded preset, which the staged runs' checkpoints carry
     */
    static String recordPreset(Path root, Preset preset) {
        Path f = root.resolve("preset.json");
        String text = presetText(preset);
        try {
            Files.createDirectories(root);
            if (Files.exists(f) && !JSON.readTree(Files.readString(f)).equals(JSON.readTree(text))) {
                throw new IllegalArgumentException(root + " holds results of another version of preset '"
                        + preset.name() + "' or of an earlier layout (" + f + " differs); pass another --results "
                        + "directory or remove it");
            }
            AtomicFiles.writeString(f, text);
            return sha256(text);
        } catch (IOException e) {
            throw new DataException(f + ": " + e.getMessage(), e);
        }
    }

    /**
     * The preset as the driver recorded it, read where a cluster's task runs: the results folder must be the
     * driver's (a shared filesystem).
     *
     * @return the SHA-256 of the recorded preset
     * @throws DataException when the folder lacks the record or holds another preset's
     */
    static String recordedPreset(Path root, Preset preset) {
        Path f = root.resolve("preset.json");
        String text = presetText(preset);
        try {
            if (!Files.exists(f) || !JSON.readTree(Files.readString(f)).equals(JSON.readTree(text))) {
                throw new DataException(f + (Files.exists(f) ? " records another preset" : " is missing") + " on "
                        + "this machine, where the driver recorded preset '" + preset.name() + "': --results must be "
                        + "a folder every executor shares with the driver");
            }
            return sha256(text);
        } catch (IOException e) {
            throw new DataException(f + ": " + e.getMessage(), e);
        }
    }

    private static String presetText(Preset preset) {
        ObjectNode mine = JSON.createObjectNode();
        mine.put("layout", LAYOUT);
        mine.set("preset", JSON.valueToTree(preset));
        try {
            return JSON.writeValueAsString(mine);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records a growth beside its stage: the points, the operator, the loss before and after. */
    static void writeGrowth(Path dir, String spec, Path snapshot, Results.Point p, long continuedAt,
                            long rewarm, double lossAfter) {
        ObjectNode gj = JSON.createObjectNode();
        gj.put("operator", spec);
        gj.put("from", snapshot.toString());
        gj.put("pre_growth_run_step", p.preGrowth().step());
        gj.put("pre_growth_schedule_step", p.preGrowthSchedule());
        gj.put("growth_target_step", p.growthTarget());
        gj.put("continued_at_step", continuedAt);
        gj.put("lr_rewarm_steps", rewarm);
        gj.put("rho", p.rho());
        gj.put("how", p.how());
        gj.put("loss_before", p.preGrowth().valLoss());
        gj.put("loss_after", lossAfter);
        writeJson(dir.resolve(GROWTH), gj);
    }

    /**
     * Once a target and seed are finished, only the snapshots that stages grew from, the baseline's Table
     * checkpoints and the zero-shot points are kept; the rest were there to choose growth points.
     */
    static void pruneSnapshots(Path seedDir, List<Long> checkpoints) {
        try (java.util.stream.Stream<Path> files = Files.walk(seedDir)) {
            java.util.Set<Path> keep = new java.util.HashSet<>();
            checkpoints.forEach(c -> keep.add(Trainer.snapshot(seedDir.resolve("baseline"), c).toAbsolutePath()));
            List<Path> all = files.toList();
            for (Path f : all) {
                if (f.getFileName().toString().equals(GROWTH)) {
                    JsonNode g = readJson(f);
                    if (g.isArray()) {   // a staged run: its PRE-GROWTH snapshots
                        g.forEach(e -> keep.add(Trainer.snapshot(f.getParent(), e.get("step").asLong()).toAbsolutePath()));
                    } else {
                        keep.add(Path.of(g.get("from").asText()).toAbsolutePath());
                    }
                }
                if (f.getFileName().toString().equals(ZeroShot.FILE)) {   // so the evaluations can be redone
                    ZeroShot.steps(f).forEach(st -> keep.add(Trainer.snapshot(f.getParent(), st).toAbsolutePath()));
                }
            }
            for (Path f : all) {
                String n = f.getFileName().toString();
                if (n.startsWith("snapshot-") && n.endsWith(".safetensors") && !keep.contains(f.toAbsolutePath())) {
                    Files.delete(f);
                }
            }
        } catch (IOException e) {
            throw new DataException(seedDir + ": cannot prune snapshots: " + e.getMessage(), e);
        }
    }

    /** A stage grown earlier must have grown where the schedule chooses now, or its results belong to another choice. */
    static void checkRecordedGrowth(Path dir, Results.Point p) {
        Path f = dir.resolve(GROWTH);
        if (!Files.exists(f)) {
            return;
        }
        JsonNode g = readJson(f);
        if (g.get("pre_growth_run_step").asLong() != p.preGrowth().step()
                || g.get("growth_target_step").asLong() != p.growthTarget()) {
            throw new IllegalStateException(dir + " grew at step " + g.get("pre_growth_run_step").asLong() + " onto "
                    + g.get("growth_target_step").asLong() + ", but the schedule now chooses " + p.preGrowth().step()
                    + " onto " + p.growthTarget() + "; remove " + dir + " to recompute it");
        }
    }

    /** @return the loss after growth as first recorded (a resumed stage does not grow again) */
    static double lossAfterGrowth(Path dir, double justMeasured) {
        Path f = dir.resolve(GROWTH);
        return Files.exists(f) ? readJson(f).get("loss_after").asDouble() : justMeasured;
    }

    static JsonNode readJson(Path f) {
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new DataException(f + ": cannot read: " + e.getMessage(), e);
        }
    }

    static void writeJson(Path f, JsonNode n) {
        try {
            AtomicFiles.writeString(f, JSON.writeValueAsString(n));
        } catch (IOException e) {
            throw new DataException(f + ": cannot write: " + e.getMessage(), e);
        }
    }
}
