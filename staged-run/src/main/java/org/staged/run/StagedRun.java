package org.staged.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.staged.api.AtomicFiles;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.Version;
import org.staged.api.growth.GrowthOperators;
import org.staged.api.growth.GrowthSpec;
import org.staged.models.AdamConfig;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.CheckpointException;
import org.staged.models.train.DivergenceException;
import org.staged.models.train.MicroBatch;
import org.staged.models.train.TrainConfig;
import org.staged.models.train.TrainLog;
import org.staged.models.train.TrainingData;
import org.staged.models.train.TrainingStream;
import org.staged.models.train.Trainer;

/**
 * Algorithm 1 as one run in one folder: the original model trains from scratch on the target's learning-rate
 * schedule while a {@link SlopeRule} watches d log L / d log C; when the slope reaches τ_G of the next
 * growth, the whole training state is grown in memory, written as the next stage's first checkpoint, and
 * training continues at GROWTH-TARGET ρ·S of the same schedule. The last stage stops at OPTIMALITY (τ_opt)
 * or when the budget is spent, whichever comes first.
 *
 * <p>The folder holds {@code stages.json} (the plan; a resume with another is refused), one {@code log.csv}
 * over every stage, {@code growth.json} (each growth as it happened), the checkpoint (its metadata carries the
 * provenance: operator chain, ρ, τ, plan hash, version) and {@code done.json} at the end. The run continues
 * after a growth from the checkpoint it has just written, so a run killed at any moment and started again
 * ends in the same state, bit for bit.
 */
public final class StagedRun {
    /** The plan a run was started with. */
    public static final String PLAN = "stages.json";
    /** The growths as they happened. */
    public static final String GROWTHS = "growth.json";
    /** Written when the run has ended. */
    public static final String DONE = "done.json";
    /**
     * Fault injection for the resume tests: the JVM halts (as under kill -9) at the named point: {@code grown}
     * (state grown in memory), {@code recorded} (growth.json written), {@code boundary} (the next stage's
     * first checkpoint written) or {@code row:STEP} (log row STEP written).
     */
    static final String HALT_AT = "staged.run.haltAt";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

    private final Plan plan;
    private final LrSchedule schedule;
    private final TrainConfig train;
    private final AdamConfig adam;
    private final TrainingData trainTokens;
    private final int[] valTokens;
    private final Path dir;
    private final boolean progress;
    private final GrowthOperators registry;
    private Budget budget = Budget.NONE;
    private long stageCap;
    private long rewarmSteps;
    private boolean perSizeLr;
    private boolean endOnDivergence;
    private Function<ModelConfig, MicroBatch> microBatchRule;   // null: whole batches
    private boolean snapshots;
    private Predicate<TrainLog.Row> lastStop = r -> false;
    private String presetHash = "";
    private Consumer<String> status = s -> { };
    private Consumer<TrainLog.Row> onRow = r -> { };
    private Path adopt;

    /** Why a stage ended. */
    public enum End {
        /** The slope reached τ_G: the run grows. */
        TAU_GROWTH("slope reached τ_G"),
        /** The stage reached its step cap before τ_G: the run grows there. */
        STAGE_CAP("stage cap reached before τ_G"),
        /** The schedule ended: a stage before the last grows there, the last ends. */
        SCHEDULE_END("end of the learning-rate schedule"),
        /** The last stage's slope reached τ_opt. */
        OPTIMALITY("OPTIMALITY: slope reached τ_opt"),
        /** The caller's stop rule for the last stage held. */
        STOP_RULE("the caller's stop rule"),
        /** The budget was spent. */
        BUDGET("budget spent"),
        /** A non-finite loss or gradient stopped training (only with {@link #endOnDivergence}). */
        DIVERGED("diverged: a non-finite loss or gradient");

        private final String words;

        End(String words) {
            this.words = words;
        }

        /** @return the reason in words */
        public String words() {
            return words;
        }
    }

    /**
     * One growth as it happened.
     *
     * @param growth         growth number, from 1 (from stage {@code growth} to {@code growth + 1})
     * @param spec           its operators
     * @param step           the run's step at PRE-GROWTH
     * @param scheduleBefore PRE-GROWTH's position on the schedule, S
     * @param scheduleAfter  GROWTH-TARGET's position, round(ρ·S) (or where the operator continues)
     * @param rho            ρ
     * @param tauGrowth      τ_G of the plan
     * @param tauMeasured    the monitor's slope at PRE-GROWTH (NaN when it had none)
     * @param reason         why the stage ended here
     * @param lossBefore     validation loss at PRE-GROWTH
     * @param lossAfter      validation loss of the grown state, before any step
     */
    public record Growth(int growth, String spec, long step, long scheduleBefore, long scheduleAfter, double rho,
                         double tauGrowth, double tauMeasured, End reason, double lossBefore, double lossAfter) {
    }

    /**
     * Where the run ended.
     *
     * @param stage   the last stage trained, from 1
     * @param step    steps over all stages
     * @param tokens  tokens over all stages
     * @param flops   FLOPs over all stages
     * @param valLoss the last validation loss
     * @param ended   why it ended
     * @param growths the growths, in order
     */
    public record Outcome(int stage, long step, long tokens, double flops, double valLoss, End ended,
                          List<Growth> growths) {
    }

    /**
     * @param plan        stages, growths and constants
     * @param schedule    the target's learning-rate schedule, which every stage follows
     * @param train       batch, evaluation and checkpoint cadence, seed and dropout (its step count is unused)
     * @param adam        optimizer settings
     * @param trainTokens training token stream
     * @param valTokens   validation token stream
     * @param dir         the run's folder
     * @param progress    whether to draw progress bars
     * @param registry    the growth operators
     */
    public StagedRun(Plan plan, LrSchedule schedule, TrainConfig train, AdamConfig adam, int[] trainTokens,
                     int[] valTokens, Path dir, boolean progress, GrowthOperators registry) {
        this(plan, schedule, train, adam, TrainingData.of(trainTokens), valTokens, dir, progress, registry);
    }

    /**
     * As the other constructor, with the training corpus streamed (e.g. from token shards).
     *
     * @param plan        the stages
     * @param schedule    the target's learning-rate schedule, which every stage follows
     * @param train       batch, evaluation and checkpoint cadence, seed and dropout (its step count is unused)
     * @param adam        optimizer settings
     * @param trainTokens training corpus
     * @param valTokens   validation token stream
     * @param dir         the run's folder
     * @param progress    whether to draw progress bars
     * @param registry    the growth operators
     */
    public StagedRun(Plan plan, LrSchedule schedule, TrainConfig train, AdamConfig adam, TrainingData trainTokens,
                     int[] valTokens, Path dir, boolean progress, GrowthOperators registry) {
        this.plan = plan;
        this.schedule = schedule;
        this.train = train;
        this.adam = adam;
        this.trainTokens = trainTokens;
        this.valTokens = valTokens;
        this.dir = dir;
        this.progress = progress;
        this.registry = registry;
    }

    /** Limits the whole run (every stage counts). */
    public StagedRun budget(Budget b) {
        this.budget = b;
        return this;
    }

    /** Grows after at most {@code steps} steps in a stage even when τ_G was not reached (0: no cap). */
    public StagedRun stageCap(long steps) {
        this.stageCap = steps;
        return this;
    }

    /** Re-warms the LR from 0 over {@code steps} steps after each growth (the authors' code; 0: the paper's). */
    public StagedRun rewarm(long steps) {
        this.rewarmSteps = steps;
        return this;
    }

    /**
     * Gives each stage the peak LR of its own size ({@link LrSchedule#kaplanPeakLr}) on the schedule's shape: the
     * original trains at its own, each grown model continues on its target's.
     */
    public StagedRun perSizeLr() {
        this.perSizeLr = true;
        return this;
    }

    /** @return stage k's schedule (1-based): the target's, at that stage's own peak LR with {@link #perSizeLr} */
    public LrSchedule schedule(int k) {
        return perSizeLr ? schedule.withPeakLr(LrSchedule.kaplanPeakLr(plan.shapes().get(k - 1).nonEmbeddingParams()))
                : schedule;
    }

    /**
     * Splits each stage's batch into micro-batches chosen for that stage's model (a grown model needs more
     * memory per sequence), announced through {@link #status} when the stage starts.
     *
     * @param rule the micro-batch for a model shape
     * @return this run
     */
    public StagedRun microBatch(Function<ModelConfig, MicroBatch> rule) {
        this.microBatchRule = rule;
        return this;
    }

    /**
     * Ends the run, as finished, at a stage that diverges (a non-finite loss or gradient) instead of throwing:
     * its log and checkpoints up to the last good step stay, and the outcome says {@link End#DIVERGED}. For a
     * pipeline that reports such a run next to the others; a single run lets the error stop it.
     */
    public StagedRun endOnDivergence() {
        this.endOnDivergence = true;
        return this;
    }

    /** Keeps every checkpoint as a snapshot, so runs grown after the fact can start from any of them. */
    public StagedRun keepSnapshots() {
        this.snapshots = true;
        return this;
    }

    /** Ends the last stage also at the first log row for which {@code rule} holds. */
    public StagedRun stopLastStageWhen(Predicate<TrainLog.Row> rule) {
        this.lastStop = rule;
        return this;
    }

    /**
     * Takes the first stage from a finished run of the same original model trained from scratch with the same
     * seed, data, batch and schedule, kept with a snapshot at every log row (the reproduction trains one per
     * original shape and grows several runs from it): training is deterministic, so its rows up to the
     * crossing of τ_G and its snapshot there are what this run's first stage would produce. When its log
     * ends before the crossing and before this stage's end, the first stage is trained here instead.
     */
    public StagedRun adoptFirstStage(Path fromScratchRun) {
        this.adopt = fromScratchRun;
        return this;
    }

    /** Records the hash of the preset (or options) the run belongs to in its checkpoints. */
    public StagedRun presetHash(String hash) {
        this.presetHash = hash;
        return this;
    }

    /** Registers a callback for every log row of every stage (after it is written). */
    public StagedRun onRow(Consumer<TrainLog.Row> callback) {
        this.onRow = callback;
        return this;
    }

    /** Receives one line per growth and at the end. */
    public StagedRun status(Consumer<String> sink) {
        this.status = sink;
        return this;
    }

    /**
     * Runs, resumes, or reads the outcome of a finished run.
     *
     * @param original the original model's fresh state (called only when the run starts from nothing)
     * @return where the run ended
     * @throws IllegalArgumentException when the folder holds a run of another plan, naming the difference
     */
    public Outcome run(Supplier<TrainingState> original) {
        String planHash = recordPlan();
        if (Files.exists(dir.resolve(DONE))) {
            return readOutcome();
        }
        List<Growth> growths = new ArrayList<>(readGrowths());
        boolean resuming = Trainer.canResume(dir);
        TrainingState fresh = null;
        JsonNode tags;
        if (resuming) {
            tags = Checkpoint.load(dir.resolve(Trainer.CHECKPOINT)).extra();
        } else {
            fresh = original.get();
            if (!fresh.config().equals(plan.shapes().get(0))) {
                throw new IllegalArgumentException("the original state is " + fresh.config() + ", the plan starts from "
                        + plan.shapes().get(0));
            }
            tags = stageTags(1, 0, fresh.scheduleStep(), 0, 0, fresh.config(), growths, planHash);
            if (adopt != null) {
                ObjectNode adopted = adoptFirstStage((ObjectNode) tags);
                if (adopted != null) {
                    tags = adopted;
                    resuming = true;
                    fresh = null;
                }
            }
        }
        while (true) {
            int k = tags.get("stage").asInt();
            long startStep = tags.get("stage_start_step").asLong();
            long end = tags.get("stage_end_step").asLong();
            End capReason = End.valueOf(tags.get("stage_end_reason").asText());
            boolean last = k == plan.size();
            if (end <= startStep) {
                return finish(k, End.BUDGET, growths);
            }
            SlopeRule rule = new SlopeRule(k, startStep, tags.get("stage_schedule_start").asLong(),
                    last ? plan.tauOpt() : plan.growths().get(k - 1).tauGrowth(), schedule.warmupSteps(),
                    k > 1 ? rewarmSteps : 0, k == 1);
            End[] fired = new End[1];
            Predicate<TrainLog.Row> stop = row -> {
                if (rule.test(row)) {
                    fired[0] = last ? End.OPTIMALITY : End.TAU_GROWTH;
                } else if (last && row.stage() == k && lastStop.test(row)) {
                    fired[0] = End.STOP_RULE;
                }
                return fired[0] != null;
            };
            if (microBatchRule != null) {
                status.accept("stage " + k + " " + microBatchRule.apply(plan.shapes().get(k - 1)).describe());
            }
            Trainer trainer = trainer(end, plan.shapes().get(k - 1)).stage(k, (ObjectNode) tags).stopWhen(stop).onRow(r -> {
                onRow.accept(r);
                haltAt("row:" + r.step());
            });
            Trainer.Result r;
            try {
                if (resuming) {
                    long at = tags.get("run_step").asLong();
                    TrainLog.read(dir.resolve(Trainer.LOG)).stream().filter(row -> row.step() < at).forEach(rule::replay);
                    r = trainer.resume();
                } else {
                    r = trainer.run(fresh, 0, 0, TrainingStream.Position.START, 0);
                    fresh = null;
                }
            } catch (DivergenceException e) {
                if (!endOnDivergence || !Files.exists(dir.resolve(Trainer.LOG)) || TrainLog.read(dir.resolve(Trainer.LOG)).isEmpty()) {
                    throw e;
                }
                status.accept(e.getMessage());
                return finish(k, End.DIVERGED, growths);
            }
            End why = fired[0] != null ? fired[0] : capReason;
            if (last || why == End.BUDGET) {
                return finish(k, why, growths);
            }
            tags = grow(k, r, why, rule.slope(), growths, planHash, tags.get("provenance").path("first_stage_from"));
            status.accept(describe(growths.get(growths.size() - 1)));
            resuming = true;
        }
    }

    /**
     * Writes the adopted run's rows up to where this first stage ends, and its snapshot there as this run's
     * checkpoint; returns the checkpoint's metadata, or null when the adopted log does not reach that point.
     */
    private ObjectNode adoptFirstStage(ObjectNode tags) {
        List<TrainLog.Row> theirs = TrainLog.read(adopt.resolve(Trainer.LOG));
        long end = tags.get("stage_end_step").asLong();
        double tau = plan.size() == 1 ? plan.tauOpt() : plan.growths().get(0).tauGrowth();
        SlopeRule rule = new SlopeRule(1, 0, 0, tau, schedule.warmupSteps(), 0, true);
        TrainLog.Row at = null;
        for (TrainLog.Row r : theirs) {
            if (r.step() > end) {
                break;
            }
            if (rule.test(r) || r.step() == end || plan.size() == 1 && lastStop.test(r)) {
                at = r;
                break;
            }
        }
        Path snapshot = at == null ? null : Trainer.snapshot(adopt, at.step());
        if (snapshot == null || !Files.exists(snapshot)) {
            return null;
        }
        long last = at.step();
        try (TrainLog log = new TrainLog(dir.resolve(Trainer.LOG), -1)) {
            theirs.stream().filter(r -> r.step() <= last).forEach(log::append);
        }
        Checkpoint.Loaded c = Checkpoint.load(snapshot);
        JsonNode x = c.extra();
        ((ObjectNode) tags.get("provenance")).put("first_stage_from", adopt.toString());
        ObjectNode extra = Trainer.extra(tags, 1, last, TrainingStream.Position.of(x),
                x.get("tokens").asLong(), x.get("flops").asDouble(), train.seed());
        Checkpoint.save(dir.resolve(Trainer.CHECKPOINT), c.state(), extra);
        if (snapshots) {
            link(dir.resolve(Trainer.CHECKPOINT), Trainer.snapshot(dir, last));
        }
        status.accept("stage 1: the rows up to step " + last + " and the state there taken from " + adopt);
        return extra;
    }

    /** Grows the state that ended stage k and writes it as stage k+1's first checkpoint; returns its metadata. */
    private ObjectNode grow(int k, Trainer.Result r, End why, double slope, List<Growth> growths, String planHash,
                            JsonNode firstStageFrom) {
        Plan.Growth pg = plan.growths().get(k - 1);
        TrainingState before = r.state();
        GrowthSpec spec = new GrowthSpec(schedule(k + 1), pg.rho(), null, rewarmSteps);
        TrainingState grown = GrowthOperators.growChecked(registry.stage(pg.spec()), before, spec);
        haltAt("grown");
        double lossBefore = lastRow().valLoss();
        double lossAfter = trainer(r.step() + 1, grown.config()).validationLoss(grown);
        Growth g = new Growth(k, pg.spec(), r.step(), before.scheduleStep(), grown.scheduleStep(), pg.rho(),
                pg.tauGrowth(), slope, why, lossBefore, lossAfter);
        while (growths.size() >= k) {   // a growth redone after a crash replaces its earlier record
            growths.remove(growths.size() - 1);
        }
        growths.add(g);
        writeJson(dir.resolve(GROWTHS), JSON.valueToTree(growths));
        haltAt("recorded");
        ObjectNode tags = stageTags(k + 1, r.step(), grown.scheduleStep(), r.tokens(), r.flops(), grown.config(),
                growths, planHash);
        if (firstStageFrom.isTextual()) {
            ((ObjectNode) tags.get("provenance")).set("first_stage_from", firstStageFrom);
        }
        ObjectNode extra = Trainer.extra(tags, k + 1, r.step(), r.position(), r.tokens(), r.flops(),
                train.seed());
        Checkpoint.save(dir.resolve(Trainer.CHECKPOINT), grown, extra);
        haltAt("boundary");
        return extra;
    }

    /** The fields every checkpoint of a stage carries: where the stage starts and ends, and the provenance. */
    private ObjectNode stageTags(int k, long startStep, long scheduleStart, long tokens, double flops, ModelConfig cfg,
                                 List<Growth> growths, String planHash) {
        int t = cfg.contextLength();
        long tokensPerStep = (long) train.batchSize() * t;
        double flopsPerStep = (double) tokensPerStep * cfg.trainingFlopsPerToken(t);
        long end = startStep + Math.max(0, schedule.totalSteps() - scheduleStart);
        End reason = End.SCHEDULE_END;
        if (k < plan.size() && stageCap > 0 && startStep + stageCap < end) {
            end = startStep + stageCap;
            reason = End.STAGE_CAP;
        }
        long left = budget.stepsLeft(startStep, tokens, flops, tokensPerStep, flopsPerStep);
        if (left < end - startStep) {
            end = startStep + left;
            reason = End.BUDGET;
        }
        ObjectNode tags = JSON.createObjectNode();
        tags.put("stage", k);
        tags.put("stage_start_step", startStep);
        tags.put("stage_schedule_start", scheduleStart);
        tags.put("stage_end_step", end);
        tags.put("stage_end_reason", reason.name());
        ObjectNode p = tags.putObject("provenance");
        p.put("version", Version.CURRENT);
        p.put("stages", plan.stages());
        p.put("plan_sha256", planHash);
        p.put("preset_sha256", presetHash);
        ArrayNode chain = p.putArray("operator_chain");
        ArrayNode gs = p.putArray("growths");
        for (Growth g : growths.subList(0, k - 1)) {
            chain.add(g.spec());
            ObjectNode o = gs.addObject();
            o.put("operator", g.spec());
            o.put("step", g.step());
            o.put("rho", g.rho());
            o.put("tau_growth", g.tauGrowth());
            o.put("tau_measured", g.tauMeasured());
        }
        return tags;
    }

    private Trainer trainer(long endStep, ModelConfig model) {
        TrainConfig c = new TrainConfig(train.batchSize(), endStep, train.evalEvery(), train.evalBatches(),
                train.checkpointEvery(), train.seed(), train.dropout(), train.attnDropout());
        Trainer t = new Trainer(c, adam, trainTokens, valTokens, dir, progress);
        if (microBatchRule != null) {
            t.microBatch(microBatchRule.apply(model).microBatch());
        }
        return snapshots ? t.keepSnapshots() : t;
    }

    private Outcome finish(int k, End why, List<Growth> growths) {
        if (!Files.exists(dir.resolve(Trainer.LOG))) {
            throw new IllegalArgumentException("the budget (" + budget + ") allows no training step");
        }
        TrainLog.Row last = lastRow();
        Outcome o = new Outcome(k, last.step(), last.tokens(), last.flops(), last.valLoss(), why, List.copyOf(growths));
        writeJson(dir.resolve(DONE), JSON.valueToTree(o));
        status.accept(String.format(Locale.ROOT, "ended in stage %d/%d at step %d (%s): validation loss %.4f, %.4g "
                + "PF-days", k, plan.size(), o.step(), why.words(), o.valLoss(), o.flops() / 8.64e19));
        return o;
    }

    private TrainLog.Row lastRow() {
        List<TrainLog.Row> rows = TrainLog.read(dir.resolve(Trainer.LOG));
        if (rows.isEmpty()) {
            throw new IllegalStateException(dir.resolve(Trainer.LOG) + ": no row yet");
        }
        return rows.get(rows.size() - 1);
    }

    private Outcome readOutcome() {
        try {
            return JSON.readValue(dir.resolve(DONE).toFile(), Outcome.class);
        } catch (IOException e) {
            throw new CheckpointException(dir.resolve(DONE) + ": " + e.getMessage(), e);
        }
    }

    private List<Growth> readGrowths() {
        Path f = dir.resolve(GROWTHS);
        if (!Files.exists(f)) {
            return List.of();
        }
        try {
            return List.of(JSON.readValue(f.toFile(), Growth[].class));
        } catch (IOException e) {
            throw new CheckpointException(f + ": " + e.getMessage(), e);
        }
    }

    /** Writes stages.json, or refuses a folder started with another plan; returns the plan's hash. */
    private String recordPlan() {
        ObjectNode mine = JSON.createObjectNode();
        mine.put("stages", plan.stages());
        ArrayNode shapes = mine.putArray("shapes");
        plan.shapes().forEach(c -> shapes.add(c.toString()));
        ArrayNode gs = mine.putArray("growths");
        for (Plan.Growth g : plan.growths()) {
            gs.addObject().put("operator", g.spec()).put("kind", g.kind()).put("tau_growth", g.tauGrowth())
                    .put("rho", g.rho());
        }
        if (Double.isNaN(plan.tauOpt())) {
            mine.putNull("tau_opt");
        } else {
            mine.put("tau_opt", plan.tauOpt());
        }
        mine.put("constants", plan.source());
        mine.put("budget", budget.toString());
        mine.put("stage_cap", stageCap);
        mine.put("rewarm_steps", rewarmSteps);
        mine.put("schedule", schedule.toString());
        if (perSizeLr) {   // only when set, so runs planned before the option resume as they were
            mine.put("peak_lr", "per size (kaplan)");
        }
        RunRecord.writeOrCompare(dir.resolve(PLAN), mine, "plan");
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsString(mine)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeJson(Path f, JsonNode n) {
        try {
            AtomicFiles.writeString(f, JSON.writeValueAsString(n));
        } catch (IOException e) {
            throw new CheckpointException(f + ": " + e.getMessage(), e);
        }
    }

    /** Keeps a snapshot of the checkpoint: a hard link where the file system allows, else a copy. */
    private static void link(Path checkpoint, Path to) {
        try {
            Files.deleteIfExists(to);
            try {
                Files.createLink(to, checkpoint);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(checkpoint, to);
            }
        } catch (IOException e) {
            throw new CheckpointException(to + ": cannot keep a snapshot: " + e.getMessage(), e);
        }
    }

    private static void haltAt(String point) {
        if (point.equals(System.getProperty(HALT_AT))) {
            Runtime.getRuntime().halt(137);
        }
    }

    private String describe(Growth g) {
        return String.format(Locale.ROOT, "stage %d → %d: %s at step %d (%s: slope %.4f, τ_G %.4f), validation loss "
                        + "%.4f → %.4f, continues at schedule step %d (ρ %.3f · S %d)", g.growth(), g.growth() + 1,
                g.spec(), g.step(), g.reason().words(), g.tauMeasured(), g.tauGrowth(), g.lossBefore(), g.lossAfter(),
                g.scheduleAfter(), g.rho(), g.scheduleBefore());
    }
}
