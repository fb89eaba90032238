package org.staged.reproduce.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongUnaryOperator;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthOperators;
import org.staged.api.growth.GrowthSpec;
import org.staged.api.growth.ScheduleContinuation;
import org.staged.models.AdamConfig;
import org.staged.models.GptInit;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.TrainConfig;
import org.staged.models.train.TrainLog;
import org.staged.models.train.DivergenceException;
import org.staged.models.train.MicroBatch;
import org.staged.models.train.Trainer;
import org.staged.models.train.TrainingStream;
import org.staged.reproduce.preset.Preset;
import org.staged.run.Plan;
import org.staged.run.StagedRun;

/**
 * Runs one stage of the reproduction, or finds it finished: a model from scratch (baseline, original), a stage
 * grown from a snapshot (manual runs, ablations), or a whole practical run (Algorithm 1 online, a
 * {@link StagedRun}). Finished stages are read back; interrupted ones resume.
 */
final class StageRunner {
    private final Preset preset;
    private final GrowthOperators registry;
    private final Progress eta;
    private final boolean bars;
    private final String presetHash;

    /** A stage grown from a snapshot: its curve and the growth it began with. */
    record Grown(Results.Curve curve, Results.Growth growth) {
    }

    /**
     * @param preset     the preset
     * @param registry   the growth operators
     * @param eta        where runs are reported
     * @param bars       whether to draw progress bars (off when runs go side by side)
     * @param presetHash recorded in the practical runs' checkpoints
     */
    StageRunner(Preset preset, GrowthOperators registry, Progress eta, boolean bars, String presetHash,
                MicroBatch.Budget budget) {
        this.budget = budget;
        this.preset = preset;
        this.registry = registry;
        this.eta = eta;
        this.bars = bars;
        this.presetHash = presetHash;
    }

    private final MicroBatch.Budget budget;   // memory for one run, when the micro-batch is chosen
    private java.util.function.Consumer<TrainLog.Row> watch = r -> { };

    /**
     * @param check called after every log row of every run (a cluster's task checks it still owns its run
     *              there, and throws when it does not)
     * @return this runner
     */
    StageRunner watch(java.util.function.Consumer<TrainLog.Row> check) {
        this.watch = check;
        return this;
    }

    /** The cadence every run shares: a log row, a checkpoint and a snapshot at every validation point. */
    private TrainConfig config(SeedContext ctx, long steps) {
        Preset.Training tr = preset.training();
        return new TrainConfig(tr.batch(), steps, tr.evalEvery(), tr.evalBatches(), tr.evalEvery(), ctx.seed(),
                tr.dropout(), tr.attnDropout());
    }

    /**
     * @param model a model of the preset
     * @return {@code train.micro_batch}, or the largest divisor of the batch that fits the memory the backend
     *         reported when the job started
     */
    MicroBatch microBatch(ModelConfig model) {
        Preset.Training t = preset.training();
        return t.microBatch() != null ? MicroBatch.given(t.microBatch(), t.batch(), model, t.dropout(), t.attnDropout())
                : MicroBatch.choose(t.batch(), model, t.dropout(), t.attnDropout(), budget.bytes(), budget.source());
    }

    /** The schedule {@code model} trains on: the target's, at the model's own peak LR with {@code train.lr = kaplan}. */
    private LrSchedule schedule(SeedContext ctx, ModelConfig model) {
        return preset.training().scheduleFor(ctx.schedule(), model);
    }

    private long tokensPerStep(SeedContext ctx) {
        return (long) preset.training().batch() * ctx.config().contextLength();
    }

    /** A model trained from scratch on the target's schedule for {@code steps} steps, or until {@code stop}. */
    Results.Curve fresh(SeedContext ctx, Path dir, String title, ModelConfig cfg, long steps,
                        Predicate<TrainLog.Row> stop) {
        return train(ctx, dir, title, cfg, s -> steps, stop, () -> new Start(TrainingState.fresh(cfg,
                GptInit.init(cfg, ctx.seed(), DataType.FLOAT), schedule(ctx, cfg)), 0, 0, TrainingStream.Position.START));
    }

    /**
     * A stage grown from a parent's snapshot at {@code p}, then trained to the end of the target's schedule
     * (at most {@code maxSteps}) or until {@code stop}. Where the grown state continues on the schedule is the
     * operator's (or the run's restart): {@link GrowthSpec#place}, read back from the grown state.
     */
    Grown grown(SeedContext ctx, Path dir, String title, ModelConfig to, Path snapshot, String spec, Results.Point p,
                Preset.GrownRun run, long maxSteps, Predicate<TrainLog.Row> stop) {
        RunFolders.checkRecordedGrowth(dir, p);
        long end = ctx.target().steps();
        Results.Curve curve = train(ctx, dir, title, to, start -> Math.min(maxSteps, end - start), stop, () -> {
            Checkpoint.Loaded l = Checkpoint.load(snapshot);
            GrowthSpec gs = new GrowthSpec(schedule(ctx, to), (double) p.growthTarget() / l.state().scheduleStep(),
                    run.restart() ? ScheduleContinuation.RESTART : null, run.rewarm());
            TrainingState g = GrowthOperators.growChecked(registry.stage(spec), l.state(), gs);
            Trainer probe = new Trainer(config(ctx, 1), AdamConfig.defaults(), ctx.train(), ctx.val(), dir, false)
                    .microBatch(microBatch(to).microBatch());
            RunFolders.writeGrowth(dir, spec, snapshot, p, g.scheduleStep(), run.rewarm(), probe.validationLoss(g));
            JsonNode x = l.extra();
            return new Start(g, x.get("tokens").asLong(), x.get("flops").asDouble(), TrainingStream.Position.of(x));
        });
        double lossAfter = RunFolders.readJson(dir.resolve(RunFolders.GROWTH)).get("loss_after").asDouble();
        return new Grown(curve, new Results.Growth(spec, p, p.preGrowth().valLoss(), lossAfter));
    }

    /**
     * A practical run: Algorithm 1 online in one folder. Its first stage is taken from the original trained
     * from scratch (the same model, seed and schedule); it grows when the slope reaches τ_G or, failing that,
     * at {@code stageCap} steps; its last stage trains until the baseline's final loss or the schedule's end.
     */
    Results.Staged practical(SeedContext ctx, Preset.GrownRun run, Plan plan, Path original, long stageCap,
                             double baselineFinal) {
        Path dir = RunFolders.run(ctx.dir(), run);
        StagedRun staged = new StagedRun(plan, ctx.schedule(), config(ctx, ctx.target().steps()), AdamConfig.defaults(),
                ctx.train(), ctx.val(), dir, bars, registry).stageCap(stageCap).rewarm(run.rewarm()).keepSnapshots()
                .stopLastStageWhen(r -> r.valLoss() <= baselineFinal).adoptFirstStage(original).presetHash(presetHash)
                .microBatch(this::microBatch).endOnDivergence().onRow(watch);
        if (preset.training().perSizeLr()) {
            staged.perSizeLr();
        }
        boolean done = Files.exists(dir.resolve(StagedRun.DONE));
        ModelConfig first = plan.shapes().get(0);
        Progress.Run shown = done ? null : eta.starting(run.label() + " (" + plan.stages() + ", Algorithm 1)",
                ctx.target().name(), ctx.seed(), first, ctx.target().steps());
        double flopsBefore = done || !Files.exists(dir.resolve(Trainer.LOG)) ? 0 : last(dir).flops();
        StagedRun.Outcome o = staged.status(line -> eta.note(shown, line)).run(() -> TrainingState.fresh(first,
                GptInit.init(first, ctx.seed(), DataType.FLOAT), staged.schedule(1)));
        List<TrainLog.Row> rows = TrainLog.read(dir.resolve(Trainer.LOG));
        if (shown != null) {
            eta.finished(shown, o.step(), (o.flops() - flopsBefore) / tokensPerStep(ctx), tokensPerStep(ctx));
        }
        List<Results.Curve> segments = new ArrayList<>();
        List<Results.Growth> growths = new ArrayList<>();
        long scheduleStart = 0;
        for (int k = 1; k <= o.stage(); k++) {
            int stage = k;
            boolean diverged = k == o.stage() && o.ended() == StagedRun.End.DIVERGED;
            segments.add(new Results.Curve(rows.stream().filter(r -> r.stage() == stage).toList(), scheduleStart,
                    diverged ? o.step() : -1));
            if (k <= o.growths().size()) {
                StagedRun.Growth g = o.growths().get(k - 1);
                TrainLog.Row pre = rows.stream().filter(r -> r.step() == g.step()).findFirst().orElseThrow();
                growths.add(new Results.Growth(g.spec(), new Results.Point(pre, g.scheduleBefore(), g.scheduleAfter(),
                        how(g, stageCap)), g.lossBefore(), g.lossAfter()));
                scheduleStart = g.scheduleAfter() - g.step();
            }
        }
        return new Results.Staged(run, segments, java.util.Collections.nCopies(segments.size(), dir), growths, List.of());
    }

    private static String how(StagedRun.Growth g, long stageCap) {
        return switch (g.reason()) {
            case TAU_GROWTH -> String.format(Locale.ROOT, "slope reached τ_G = %.4f (%.4f); ρ = %.3f", g.tauGrowth(),
                    g.tauMeasured(), g.rho());
            case STAGE_CAP -> String.format(Locale.ROOT, "slope did not reach τ_G = %.4f within the cap of %d steps: "
                    + "grown there; ρ = %.3f", g.tauGrowth(), stageCap, g.rho());
            default -> String.format(Locale.ROOT, "%s before τ_G = %.4f: grown there; ρ = %.3f", g.reason().words(),
                    g.tauGrowth(), g.rho());
        };
    }

    private static TrainLog.Row last(Path dir) {
        List<TrainLog.Row> rows = TrainLog.read(dir.resolve(Trainer.LOG));
        return rows.isEmpty() ? new TrainLog.Row(0, 0, 0, 0, 0, 0) : rows.get(rows.size() - 1);
    }

    /** A state to start training from, with the data position and totals it carries. */
    private record Start(TrainingState state, long tokens, double flops, TrainingStream.Position position) {
    }

    /**
     * Trains one folder, resumes it, or reads it back when done.
     *
     * @param stepsFrom the stage's steps given its start on the schedule
     */
    private Results.Curve train(SeedContext ctx, Path dir, String title, ModelConfig cfg, LongUnaryOperator stepsFrom,
                                Predicate<TrainLog.Row> stop, java.util.function.Supplier<Start> start) {
        Path done = dir.resolve(RunFolders.DONE);
        if (Files.exists(done)) {
            JsonNode d = RunFolders.readJson(done);
            return new Results.Curve(TrainLog.read(dir.resolve(Trainer.LOG)), d.get("schedule_start").asLong(),
                    d.path("diverged_at").asLong(-1));
        }
        Path startFile = dir.resolve(RunFolders.START);
        long before = Files.exists(dir.resolve(Trainer.LOG)) ? last(dir).step() : 0;   // done by an interrupted invocation
        Start s = null;
        long scheduleStart;
        if (Trainer.canResume(dir) && Files.exists(startFile)) {
            scheduleStart = RunFolders.readJson(startFile).get("schedule_start").asLong();
        } else {
            s = start.get();
            scheduleStart = s.state().scheduleStep();
            ObjectNode st = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            st.put("schedule_start", scheduleStart);
            RunFolders.writeJson(startFile, st);
        }
        long steps = stepsFrom.applyAsLong(scheduleStart);
        Trainer trainer = new Trainer(config(ctx, steps), AdamConfig.defaults(), ctx.train(), ctx.val(), dir, bars)
                .keepSnapshots().stopWhen(stop).onRow(watch).microBatch(microBatch(cfg).microBatch());
        Progress.Run shown = eta.starting(title, ctx.target().name(), ctx.seed(), cfg, steps);
        long divergedAt = -1;
        try {
            if (s == null) {
                trainer.resume();
            } else {
                trainer.run(s.state(), s.tokens(), s.flops(), s.position());
            }
        } catch (DivergenceException e) {
            if (!Files.exists(dir.resolve(Trainer.LOG)) || TrainLog.read(dir.resolve(Trainer.LOG)).isEmpty()) {
                throw e;   // nothing logged to show
            }
            eta.note(shown, e.getMessage());
            divergedAt = e.step();
        }
        List<TrainLog.Row> rows = TrainLog.read(dir.resolve(Trainer.LOG));
        TrainLog.Row last = rows.get(rows.size() - 1);
        ObjectNode d = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        d.put("schedule_start", scheduleStart);
        d.put("steps", last.step());
        d.put("final_val_loss", last.valLoss());
        if (divergedAt >= 0) {
            d.put("diverged_at", divergedAt);
        }
        RunFolders.writeJson(done, d);
        eta.finished(shown, last.step() - before, (last.step() - before) * work(cfg), tokensPerStep(ctx));
        return new Results.Curve(rows, scheduleStart, divergedAt);
    }

    /** Work per step in the units of {@link Progress}: FLOPs per token. */
    private static double work(ModelConfig c) {
        return c.trainingFlopsPerToken(c.contextLength());
    }
}
