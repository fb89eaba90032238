package org.staged.reproduce.pipeline;

import org.staged.run.Shapes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.staged.api.AtomicFiles;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.api.growth.GrowthSpec;
import org.staged.api.growth.ScheduleContinuation;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.DataException;
import org.staged.eval.data.TrainingText;
import org.staged.eval.text.Tokenizer;
import org.staged.eval.text.Tokenizers;
import org.staged.models.AdamConfig;
import org.staged.models.GptInit;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.TrainConfig;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.reproduce.pipeline.GrowthPoints.Constants;
import org.staged.reproduce.pipeline.GrowthPoints.Curve;
import org.staged.reproduce.preset.Preset;
import org.staged.schedule.PracticalConstants;

/**
 * Runs a preset's training: for every target and seed, the baseline from scratch, the original (small)
 * models, and every grown run stage by stage (grow at PRE-GROWTH, continue at GROWTH-TARGET on the target's
 * schedule). Each run lives in its own folder under {@code runs/}; a finished run is marked {@code done.json}
 * and skipped on a rerun, an interrupted one resumes from its checkpoint, and every choice (growth points,
 * estimated constants) is a deterministic function of finished runs, so a rerun reproduces an uninterrupted one.
 */
public final class Reproduction {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Kinds of growth with their own practical constants (Appendix D). */
    private static final List<String> KINDS = List.of("width", "depth", "depth,width");

    private final Preset preset;
    private final Path root;
    private final Path dataFlag;
    private final boolean progress;
    private final PrintStream out;
    private final GrowthOperators registry = GrowthOperators.discover();
    private final Progress eta;
    private ZeroShot zeroShot;
    private RunPool pool;

    /** What one target and seed produced. */
    public record Block(Preset.Target target, long seed, Curve baseline, List<ZeroShot.Point> baselineZeroShot,
                       Map<String, Staged> runs, Map<String, Staged> ablations, Map<String, Constants> constants) {
    }

    /**
     * A grown run: the curve of each stage (the original's first) up to where the next stage grew from it,
     * the folder each was trained in, and the growths between them; its zero-shot points lie on the same
     * segments (each PRE-GROWTH, then along the last stage).
     */
    public record Staged(Preset.GrownRun run, List<Curve> segments, List<Path> dirs, List<Growth> growths,
                         List<ZeroShot.Point> zeroShot) {
        /** @return the last stage's folder */
        public Path dir() {
            return dirs.get(dirs.size() - 1);
        }

        /** @return (compute, validation loss) along the whole staged run, compute counting every stage */
        public List<double[]> lossCurve() {
            List<double[]> pts = new ArrayList<>();
            for (Curve c : segments) {
                c.rows().forEach(r -> pts.add(new double[] {r.flops(), r.valLoss()}));
            }
            return pts;
        }
    }

    /** One growth as it happened: the chosen points and the validation loss before and after growing. */
    public record Growth(String spec, GrowthPoints.Point point, double lossBefore, double lossAfter) {
    }

    /**
     * @param preset   what to run
     * @param results  results directory; the preset's folder is created inside it
     * @param dataFlag {@code --data-dir}, or null for the environment or default
     * @param progress whether to draw progress bars
     * @param out      where to report each run
     */
    public Reproduction(Preset preset, Path results, Path dataFlag, boolean progress, PrintStream out) {
        this.preset = preset;
        this.root = results.resolve(preset.name());
        this.dataFlag = dataFlag;
        this.progress = progress;
        this.out = out;
        this.eta = new Progress(preset, registry, out);
    }

    /** @return the preset's results folder */
    public Path root() {
        return root;
    }

    /**
     * Checks the data, then trains (or finds finished) every run.
     *
     * @return per target and seed, the curves
     * @throws DataException before any run starts when a data file is missing
     */
    public List<Block> run() {
        DataDir dir = checkData();
        recordPreset();
        List<Block> blocks = new ArrayList<>();
        try (RunPool p = new RunPool(preset.parallelRuns())) {
            pool = p;
            List<Callable<Block>> each = new ArrayList<>();
            for (Preset.Target t : preset.targets()) {
                for (long seed : preset.seeds()) {
                    each.add(() -> block(dir, t, seed));
                }
            }
            blocks.addAll(p.coordinated(each));
        }
        eta.finish();
        return blocks;
    }

    /** Every file the preset needs, checked before the first run. */
    private DataDir checkData() {
        DataDir dir = DataDir.resolve(dataFlag);
        for (String source : preset.data().sources()) {
            dir.trainFiles(source);
        }
        dir.require("wikitext/wiki.test.raw");
        dir.require("lambada/lambada_test.jsonl");
        return dir;
    }

    /** Refuses to mix results of different presets under one name. */
    private void recordPreset() {
        Path f = root.resolve("preset.json");
        try {
            Files.createDirectories(root);
            String mine = JSON.writeValueAsString(preset);
            if (Files.exists(f) && !JSON.readTree(Files.readString(f)).equals(JSON.readTree(mine))) {
                throw new IllegalArgumentException(root + " holds results of another version of preset '"
                        + preset.name() + "' (" + f + " differs); pass another --results directory or remove it");
            }
            AtomicFiles.writeString(f, mine);
        } catch (IOException e) {
            throw new DataException(f + ": " + e.getMessage(), e);
        }
    }

    /** The token streams of one seed's split. */
    private record Corpus(int[] train, int[] val) {
    }

    private Block block(DataDir dir, Preset.Target target, long seed) {
        Path seedDir = root.resolve("runs").resolve(target.name()).resolve("seed-" + seed);
        TrainingText text = TrainingText.load(dir, preset.data().sources(), preset.data().maxChars(),
                preset.data().valFraction(), seed);
        try {
            Files.createDirectories(seedDir);
        } catch (IOException e) {
            throw new DataException(seedDir + ": " + e.getMessage(), e);
        }
        Tokenizer tok = Tokenizers.create(preset.data().tokenizer(), text::train, seedDir);
        Corpus corpus = new Corpus(tok.encode(text.train()), tok.encode(text.val()));
        ModelConfig cfg = target.config().withVocabSize(tok.vocabSize());
        LrSchedule schedule = preset.training().schedule(target);
        Ctx ctx = new Ctx(target, seed, seedDir, corpus, cfg, schedule);

        // the baseline and the original models need nothing from each other; the grown runs need them all
        List<Callable<Curve>> first = new ArrayList<>();
        first.add(() -> fresh(ctx, "baseline", cfg, target.steps()));
        originalShapes(ctx).forEach(o -> first.add(() -> original(ctx, o)));
        Curve baseline = pool.all(first).get(0);
        double baselineFinal = baseline.last().valLoss();
        Map<String, Constants> constants = constants(ctx, baseline);
        List<Callable<Staged>> grown = new ArrayList<>();
        allRuns().forEach(run -> grown.add(() -> staged(ctx, run, baseline, baselineFinal, constants)));
        List<Staged> done = pool.all(grown);
        Map<String, Staged> ablations = new LinkedHashMap<>();
        done.subList(preset.runs().size(), done.size()).forEach(s -> ablations.put(s.run().label(), s));
        // Table 2: zero-shot metrics at the baseline's checkpoints and on every run's segments, as Table 1 compares
        // them: each PRE-GROWTH (shared originals evaluated once), then along the last stage
        ZeroShot zs = zeroShot(dir);
        int n = preset.eval().points();
        Map<Path, java.util.TreeSet<Long>> at = new LinkedHashMap<>();
        Map<Path, List<TrainLog.Row>> rowsOf = new LinkedHashMap<>();
        at.computeIfAbsent(seedDir.resolve("baseline"), k -> new java.util.TreeSet<>(target.checkpoints()))
                .addAll(ZeroShot.spread(baseline.rows(), n));
        rowsOf.put(seedDir.resolve("baseline"), baseline.rows());
        List<Staged> tabled = done.subList(0, preset.runs().size());
        for (Staged s : tabled) {
            for (int k = 0; k < s.segments().size(); k++) {
                List<TrainLog.Row> rows = s.segments().get(k).rows();
                boolean last = k == s.segments().size() - 1;
                at.computeIfAbsent(s.dirs().get(k), d -> new java.util.TreeSet<>())
                        .addAll(last ? ZeroShot.spread(rows, n) : List.of(rows.get(rows.size() - 1).step()));
                rowsOf.merge(s.dirs().get(k), rows, (a, b) -> a.size() >= b.size() ? a : b);
            }
        }
        eta.evaluating(target.name() + " seed " + seed);
        List<Path> dirs = List.copyOf(at.keySet());
        List<Callable<List<ZeroShot.Point>>> evals = new ArrayList<>();
        dirs.forEach(d -> evals.add(() -> zs.evaluate(d, rowsOf.get(d), List.copyOf(at.get(d)), tok)));
        List<List<ZeroShot.Point>> evaluatedPoints = pool.all(evals);
        Map<Path, Map<Long, ZeroShot.Point>> byDir = new LinkedHashMap<>();
        for (int i = 0; i < dirs.size(); i++) {
            Map<Long, ZeroShot.Point> m = new LinkedHashMap<>();
            evaluatedPoints.get(i).forEach(pt -> m.put(pt.step(), pt));
            byDir.put(dirs.get(i), m);
        }
        List<ZeroShot.Point> base = List.copyOf(byDir.get(seedDir.resolve("baseline")).values());
        Map<String, Staged> evaluated = new LinkedHashMap<>();
        for (Staged s : tabled) {
            List<ZeroShot.Point> pts = new ArrayList<>();
            for (int k = 0; k < s.segments().size(); k++) {
                Curve seg = s.segments().get(k);
                boolean last = k == s.segments().size() - 1;
                Map<Long, ZeroShot.Point> m = byDir.get(s.dirs().get(k));
                for (TrainLog.Row r : seg.rows()) {
                    if (m.containsKey(r.step()) && (last || r == seg.last())) {
                        pts.add(m.get(r.step()));
                    }
                }
            }
            evaluated.put(s.run().label(), new Staged(s.run(), s.segments(), s.dirs(), s.growths(), pts));
        }
        RunFiles.pruneSnapshots(seedDir, target.checkpoints());
        return new Block(target, seed, baseline, base, evaluated, ablations, constants);
    }

    private synchronized ZeroShot zeroShot(DataDir dir) {
        if (zeroShot == null) {
            zeroShot = new ZeroShot(dir, preset.eval());
        }
        return zeroShot;
    }

    /** Everything one target and seed shares. */
    private record Ctx(Preset.Target target, long seed, Path dir, Corpus corpus, ModelConfig config,
                       LrSchedule schedule) {
    }

    /** The practical schedule's constants per kind of growth: Appendix D, or estimated from the 2× originals. */
    private Map<String, Constants> constants(Ctx ctx, Curve baseline) {
        Map<String, Constants> out = new LinkedHashMap<>();
        PracticalConstants d = PracticalConstants.APPENDIX_D;
        for (String kind : KINDS) {
            Constants paper = new Constants(d.tauGrowth(kind), d.rho(kind), d.tauOpt(), "Appendix D");
            if (preset.constants() == Preset.Constants.APPENDIX_D) {
                out.put(kind, paper);
                continue;
            }
            ModelConfig small = Shapes.original(registry, kind, ctx.config());
            Curve original = original(ctx, small);
            try {
                out.put(kind, GrowthPoints.estimate(original, baseline, preset.training().warmup(), d.tauOpt()));
            } catch (IllegalArgumentException e) {
                out.put(kind, new Constants(paper.tauGrowth(), paper.rho(), paper.tauOpt(),
                        "Appendix D (estimation failed: " + e.getMessage() + ")"));
            }
        }
        return out;
    }

    /** The grown runs of Table 1, then Figure 3's ablations. */
    private List<Preset.GrownRun> allRuns() {
        List<Preset.GrownRun> all = new ArrayList<>(preset.runs());
        all.addAll(preset.ablations());
        return all;
    }

    /** Every original (small) model this target's runs and constants start from, each once, in preset order. */
    private List<ModelConfig> originalShapes(Ctx ctx) {
        java.util.LinkedHashSet<ModelConfig> out = new java.util.LinkedHashSet<>();
        if (preset.constants() == Preset.Constants.ESTIMATED) {
            for (String kind : KINDS) {
                out.add(Shapes.original(registry, kind, ctx.config()));
            }
        }
        allRuns().forEach(run -> out.add(shapes(run, ctx.config())[0]));
        return List.copyOf(out);
    }

    /** @return a run's shape before each growth and after the last: the original first, the target last */
    private ModelConfig[] shapes(Preset.GrownRun run, ModelConfig target) {
        List<String> stages = run.stages();
        ModelConfig[] shapes = new ModelConfig[stages.size() + 1];
        shapes[stages.size()] = target;
        for (int k = stages.size() - 1; k >= 0; k--) {
            shapes[k] = Shapes.original(registry, stages.get(k), shapes[k + 1]);
        }
        return shapes;
    }

    /** A model trained from scratch on the target's schedule. */
    private Curve fresh(Ctx ctx, String name, ModelConfig cfg, long steps) {
        Path dir = ctx.dir().resolve(name);
        return train(ctx, dir, name, cfg, steps, r -> false, () -> new Start(TrainingState.fresh(cfg,
                GptInit.init(cfg, ctx.seed(), DataType.FLOAT), ctx.schedule()), 0, 0, 0, 0));
    }

    private Curve original(Ctx ctx, ModelConfig small) {
        long steps = Math.max(preset.training().evalEvery(), Math.round(preset.original() * ctx.target().steps()
                / preset.training().evalEvery()) * preset.training().evalEvery());
        return fresh(ctx, "original-" + shape(small), small, steps);
    }

    /** A state to start training from, with the data position and totals it carries. */
    private record Start(TrainingState state, long tokens, double flops, long epoch, int cursor) {
    }

    private Curve train(Ctx ctx, Path dir, String title, ModelConfig cfg, long steps, Predicate<TrainLog.Row> stop,
                        java.util.function.Supplier<Start> start) {
        Path done = dir.resolve(RunFiles.DONE);
        if (Files.exists(done)) {
            JsonNode d = RunFiles.readJson(done);
            return new Curve(TrainLog.read(dir.resolve(Trainer.LOG)), d.get("schedule_start").asLong());
        }
        Preset.Training tr = preset.training();
        Trainer trainer = new Trainer(new TrainConfig(tr.batch(), steps, tr.evalEvery(), tr.evalBatches(), tr.evalEvery(),
                ctx.seed(), tr.dropout(), tr.attnDropout()), AdamConfig.defaults(), ctx.corpus().train(), ctx.corpus().val(), dir,
                progress && !pool.parallel()).keepSnapshots().stopWhen(stop);
        Path startFile = dir.resolve(RunFiles.START);
        long scheduleStart;
        Progress.Run shown = eta.starting(title, ctx.target().name(), ctx.seed(), cfg, steps);
        long before = Files.exists(dir.resolve(Trainer.LOG)) ? TrainLog.read(dir.resolve(Trainer.LOG)).stream()
                .mapToLong(TrainLog.Row::step).max().orElse(0) : 0;   // steps done by an interrupted invocation
        if (Trainer.canResume(dir) && Files.exists(startFile)) {
            scheduleStart = RunFiles.readJson(startFile).get("schedule_start").asLong();
            trainer.resume();
        } else {
            Start s = start.get();
            scheduleStart = s.state().scheduleStep();
            ObjectNode st = JSON.createObjectNode();
            st.put("schedule_start", scheduleStart);
            RunFiles.writeJson(startFile, st);
            trainer.run(s.state(), s.tokens(), s.flops(), s.epoch(), s.cursor());
        }
        List<TrainLog.Row> rows = TrainLog.read(dir.resolve(Trainer.LOG));
        ObjectNode d = JSON.createObjectNode();
        d.put("schedule_start", scheduleStart);
        d.put("steps", rows.get(rows.size() - 1).step());
        d.put("final_val_loss", rows.get(rows.size() - 1).valLoss());
        RunFiles.writeJson(done, d);
        eta.finished(shown, rows.get(rows.size() - 1).step() - before, (long) preset.training().batch() * cfg.contextLength());
        return new Curve(rows, scheduleStart);
    }

    /** A grown run, stage by stage. */
    private Staged staged(Ctx ctx, Preset.GrownRun run, Curve baseline, double baselineFinal,
                          Map<String, Constants> constants) {
        List<String> stages = run.stages();
        ModelConfig[] shapes = shapes(run, ctx.config());
        Curve parent = original(ctx, shapes[0]);
        Path parentDir = ctx.dir().resolve("original-" + shape(shapes[0]));
        List<Curve> segments = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        List<Growth> growths = new ArrayList<>();
        long warmup = preset.training().warmup();
        long end = ctx.target().steps();
        for (int k = 0; k < stages.size(); k++) {
            String spec = stages.get(k);
            Path dir = ctx.dir().resolve(run.label()).resolve("stage-" + (k + 1));
            GrowthPoints.Point p = run.schedule() == Preset.Schedule.MANUAL
                    ? GrowthPoints.manual(parent, baseline, warmup, end)
                    : GrowthPoints.practical(parent, constants.get(kind(shapes[k], shapes[k + 1])), warmup, end);
            segments.add(new Curve(parent.rows().stream().filter(r -> r.step() <= p.preGrowth().step()).toList(),
                    parent.scheduleStart()));
            dirs.add(parentDir);
            boolean last = k == stages.size() - 1;
            Predicate<TrainLog.Row> stop;
            if (last) {
                stop = r -> r.valLoss() <= baselineFinal;   // every comparison of Tables 1-2 can be made
            } else if (run.schedule() == Preset.Schedule.PRACTICAL) {
                Constants next = constants.get(kind(shapes[k + 1], shapes[k + 2]));
                stop = r -> RunFiles.reachesNow(dir, r, next.tauGrowth(), warmup);
            } else {
                stop = r -> false;
            }
            RunFiles.checkRecordedGrowth(dir, p);
            Path snapshot = Trainer.snapshot(parentDir, p.preGrowth().step());
            double[] after = new double[1];
            String title = run.label() + " stage " + (k + 1) + "/" + stages.size() + " (" + spec + ")";
            ScheduleContinuation how = run.restart() ? ScheduleContinuation.RESTART
                    : registry.stage(spec).claims().schedule();
            long start = switch (how) {
                case GROWTH_TARGET -> p.growthTarget();
                case RESTART -> 0;
                case KEEP -> p.preGrowthSchedule();
            };
            long steps = end - start;
            if (run.ablation()) {   // Figure 3 shows the first stretch after growing
                steps = Math.min(steps, Math.max(preset.training().evalEvery(), Math.round(preset.ablationSteps() * end)));
            }
            Curve grown = train(ctx, dir, title, shapes[k + 1], steps, stop,
                    () -> grow(ctx, snapshot, spec, p, run, dir, after));
            growths.add(new Growth(spec, p, p.preGrowth().valLoss(), RunFiles.lossAfterGrowth(dir, after[0])));
            parent = grown;
            parentDir = dir;
        }
        segments.add(parent);
        dirs.add(parentDir);
        return new Staged(run, segments, dirs, growths, List.of());
    }

    /** Grows a parent's snapshot and records the growth (points, loss before and after) beside the stage. */
    private Start grow(Ctx ctx, Path snapshot, String spec, GrowthPoints.Point p, Preset.GrownRun run, Path dir,
                       double[] lossAfter) {
        Checkpoint.Loaded l = Checkpoint.load(snapshot);
        GrowthOperator op = registry.stage(spec);
        GrowthSpec gs = new GrowthSpec(ctx.schedule(), (double) p.growthTarget() / l.state().scheduleStep(),
                run.restart() ? ScheduleContinuation.RESTART : null, run.rewarm());
        TrainingState g = GrowthOperators.growChecked(op, l.state(), gs);
        Preset.Training tr = preset.training();
        Trainer probe = new Trainer(new TrainConfig(tr.batch(), 1, tr.evalEvery(), tr.evalBatches(), 0, ctx.seed()),
                AdamConfig.defaults(), ctx.corpus().train(), ctx.corpus().val(), dir, false);
        lossAfter[0] = probe.validationLoss(g);
        RunFiles.writeGrowth(dir, spec, snapshot, p, g.scheduleStep(), run.rewarm(), lossAfter[0]);
        JsonNode x = l.extra();
        return new Start(g, x.get("tokens").asLong(), x.get("flops").asDouble(), x.get("epoch").asLong(),
                x.get("cursor").asInt());
    }

    /** width, depth or depth,width: which dimensions a growth changes (its practical constants' key). */
    static String kind(ModelConfig from, ModelConfig to) {
        boolean wider = to.dModel() != from.dModel() || to.dFf() != from.dFf();
        boolean deeper = to.nLayer() != from.nLayer();
        return wider && deeper ? "depth,width" : deeper ? "depth" : "width";
    }

    /** @return a folder-safe shape label, e.g. {@code d64-h2-L4} */
    static String shape(ModelConfig c) {
        return "d" + c.dModel() + "-h" + c.nHead() + "-L" + c.nLayer() + (c.dFf() != 4 * c.dModel() ? "-ff" + c.dFf() : "");
    }


}
