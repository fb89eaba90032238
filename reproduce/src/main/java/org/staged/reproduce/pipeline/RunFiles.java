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
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.reproduce.pipeline.GrowthPoints.Curve;

/**
 * The files that make a run folder resumable and auditable: {@code start.json} (where on the target's schedule
 * the run began), {@code growth.json} (how a stage was grown), {@code done.json} (finished), and the snapshots
 * kept once a target and seed are done.
 */
final class RunFiles {
    static final String DONE = "done.json";
    static final String START = "start.json";
    static final String GROWTH = "growth.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunFiles() {
    }

    /** Records a growth beside its stage: the points, the operator, the loss before and after. */
    static void writeGrowth(Path dir, String spec, Path snapshot, GrowthPoints.Point p, long continuedAt,
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
                    keep.add(Path.of(readJson(f).get("from").asText()).toAbsolutePath());
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
    static void checkRecordedGrowth(Path dir, GrowthPoints.Point p) {
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

    /** True when the row just logged in {@code dir} is the first whose slope reaches τ (stateless, so resumable). */
    static boolean reachesNow(Path dir, TrainLog.Row row, double tau, long warmup) {
        long start = readJson(dir.resolve(START)).get("schedule_start").asLong();
        TrainLog.Row first = GrowthPoints.firstReaching(new Curve(TrainLog.read(dir.resolve(Trainer.LOG)), start), tau,
                warmup);
        return first != null && first.step() == row.step();
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
