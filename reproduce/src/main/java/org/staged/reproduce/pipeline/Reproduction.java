package org.staged.reproduce.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.staged.api.ModelConfig;
import org.staged.api.growth.GrowthOperators;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.DataException;
import org.staged.eval.data.TokenShards;
import org.staged.eval.data.TrainingText;
import org.staged.models.train.MicroBatch;
import org.staged.models.train.TrainingData;
import org.staged.eval.text.Tokenizer;
import org.staged.eval.text.Tokenizers;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.reproduce.preset.Preset;
import org.staged.run.ConstantsEstimate;
import org.staged.run.Plan;
import org.staged.run.Shapes;
import org.staged.run.SlopeRule;
import org.staged.schedule.PracticalConstants;

/**
 * Runs a preset: for every target and seed, the baseline and the original (small) models from scratch, the
 * practical schedule's constants for every growth, the grown runs (practical ones as staged runs, Algorithm 1
 * online; manual ones stage by stage at the points §6.1 chooses), Figure 3's ablations, and the zero-shot
 * evaluations. A finished run is read back on a rerun, an interrupted one resumes, and every choice is a
 * deterministic function of finished runs, so a rerun reproduces an uninterrupted one.
 */
public final class Reproduction {
    private final Preset preset;
    private final Path root;
    private final Path dataFlag;
    private final boolean progress;
    private final GrowthOperators registry = GrowthOperators.discover();
    private final Progress eta;
    private final PrintStream out;
    private ZeroShot zeroShot;

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
        this.eta = new Progress(preset, registry, out);
        this.out = out;
    }

    /** @return the preset's results folder */
    public Path root() {
        return root;
    }

    /** @return where runs are reported, with the preset's ETA */
    public Progress progress() {
        return eta;
    }

    /** @return the results directory the preset's folder is in */
    public Path results() {
        return root.getParent();
    }

    /** @return the data directory as resolved here (a cluster's executors are handed this path) */
    public Path dataRoot() {
        return DataDir.resolve(dataFlag).root().toAbsolutePath();
    }

    /** @return the folder a job writes: its run's, or for an evaluation the run it evaluates */
    public Path folder(RunExecutor.JobKey key) {
        return seedFolder(key).resolve(key.folder());
    }

    /** @return the folder of a job's target and seed, which holds its runs */
    public Path seedFolder(RunExecutor.JobKey key) {
        return RunFolders.seed(root, target(key), key.seed());
    }

    private Preset.Target target(RunExecutor.JobKey key) {
        return preset.targets().stream().filter(t -> t.name().equals(key.target())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(key + ": preset " + preset.name() + " has no target "
                        + key.target()));
    }

    /** @return the preset being run */
    public Preset preset() {
        return preset;
    }

    /**
     * Checks the data, then trains (or finds finished) every run, side by side as the preset says.
     *
     * @return per target and seed, what it produced
     * @throws DataException before any run starts when a data file is missing
     */
    public List<Results.Block> run() {
        try (RunPool pool = new RunPool(preset.parallelRuns())) {
            return run(pool);
        }
    }

    /**
     * The memory one run may use when its micro-batch is chosen: the backend's, shared by the preset's parallel
     * runs. A cluster's tasks are given the driver's, so every run is split as it would be here.
     */
    public MicroBatch.Budget budget() {
        MicroBatch.Budget machine = MicroBatch.detectBudget();
        return preset.parallelRuns() == 1 ? machine : new MicroBatch.Budget(machine.bytes() / preset.parallelRuns(),
                machine.source() + " shared by " + preset.parallelRuns() + " parallel runs");
    }

    /**
     * Checks the data, then trains (or finds finished) every run on {@code executor}.
     *
     * @return per target and seed, what it produced
     * @throws DataException before any run starts when a data file is missing
     */
    public List<Results.Block> run(RunExecutor executor) {
        DataDir dir = checkData();
        String presetHash = RunFolders.recordPreset(root, preset);
        eta.slots(executor.slots());
        StageRunner runner = new StageRunner(preset, registry, eta, progress && executor.slots() == 1, presetHash,
                budget());
        for (String line : PresetPlan.lines(preset, runner::microBatch, dir)) {
            out.println(line);
        }
        List<Callable<Results.Block>> each = new ArrayList<>();
        for (Preset.Target t : preset.targets()) {
            for (long seed : preset.seeds()) {
                each.add(() -> new Seed(sharedContext(dir, t, seed, presetHash), runner, executor).block(zeroShot(dir),
                        dir));
            }
        }
        List<Results.Block> blocks = List.copyOf(RunPool.coordinated(each, executor.slots()));
        eta.finish();
        return blocks;
    }

    /**
     * Runs one job in this JVM, as a cluster's task does: the job's seed is followed through its plan up to the
     * job, every job before it being found finished and read back (a job is handed out only once those it
     * needs are done), and the job itself trained, resumed or found finished.
     *
     * @param key    the job
     * @param budget the driver's memory budget per run, so the micro-batch is the one a local run would use
     * @param watch  called after every log row the job writes
     * @return the job's progress lines and measured work
     */
    public JobReport runJob(RunExecutor.JobKey key, MicroBatch.Budget budget,
                            java.util.function.Consumer<TrainLog.Row> watch) {
        DataDir dir = DataDir.resolve(dataFlag);
        Preset.Target target = target(key);
        String presetHash = RunFolders.recordedPreset(root, preset);
        StageRunner runner = new StageRunner(preset, registry, eta, false, presetHash, budget).watch(watch);
        OneJob one = new OneJob(key);
        eta.inTask();
        try {
            new Seed(sharedContext(dir, target, key.seed(), presetHash), runner, one).block(zeroShot(dir), dir);
        } catch (OneJob.Done done) {
            return eta.report(List.of());
        }
        throw new IllegalArgumentException(key + ": no such job in preset " + preset.name());
    }

    /**
     * The last seed contexts this JVM built, kept for its next jobs: a cluster's executor takes many jobs of one
     * seed, and tokenizing the corpus for each would cost minutes.
     */
    private static final Map<String, java.util.concurrent.FutureTask<SeedContext>> CONTEXTS =
            new java.util.LinkedHashMap<>(8, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, java.util.concurrent.FutureTask<SeedContext>> e) {
                    return size() > 4;
                }
            };

    private SeedContext sharedContext(DataDir dir, Preset.Target target, long seed, String presetHash) {
        String k = root.toAbsolutePath() + "|" + presetHash + "|" + target.name() + "|" + seed;
        java.util.concurrent.FutureTask<SeedContext> f;
        boolean mine = false;
        synchronized (CONTEXTS) {
            f = CONTEXTS.get(k);
            if (f == null) {
                f = new java.util.concurrent.FutureTask<>(() -> context(dir, target, seed));
                CONTEXTS.put(k, f);
                mine = true;
            }
        }
        if (mine) {
            f.run();   // built outside the lock: other seeds build theirs meanwhile
        }
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            synchronized (CONTEXTS) {
                CONTEXTS.remove(k);   // a failure is reported, not kept
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the data", e);
        }
    }

    /** Runs the job it names and stops there; every other job it is handed is one before it, found finished. */
    private static final class OneJob implements RunExecutor {
        private final RunExecutor.JobKey key;

        /** Thrown once the job has run: nothing after it in the seed's plan belongs to this task. */
        static final class Done extends RuntimeException {
            Done() {
                super(null, null, false, false);
            }
        }

        OneJob(RunExecutor.JobKey key) {
            this.key = key;
        }

        @Override
        public <T> List<T> all(List<Job<T>> jobs) {
            for (Job<T> j : jobs) {
                if (j.key().equals(key)) {
                    call(j);
                    throw new Done();
                }
            }
            List<T> out = new ArrayList<>();
            jobs.forEach(j -> out.add(call(j)));
            return out;
        }

        private static <T> T call(Job<T> j) {
            try {
                return j.call().call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(j.key() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public int slots() {
            return 1;
        }

        @Override
        public void close() {
        }
    }

    /** Every file the preset needs, checked before the first run. */
    private DataDir checkData() {
        DataDir dir = DataDir.resolve(dataFlag);
        if (preset.data().shards() != null) {
            TokenShards.open(shards(dir), Tokenizers.vocabSize(preset.data().tokenizer()));
        } else {
            for (String source : preset.data().sources()) {
                dir.trainFiles(source);
            }
        }
        dir.require("wikitext/wiki.test.raw");
        dir.require("lambada/lambada_test.jsonl");
        return dir;
    }

    /** @return the preset's shard folder, under the data directory */
    private Path shards(DataDir dir) {
        return dir.root().resolve(preset.data().shards());
    }

    /** The sharded corpus: its tokenizer (a trained BPE is copied into the seed's folder), shards and validation. */
    private SeedContext shardedContext(DataDir dir, Preset.Target target, long seed, Path seedDir) throws IOException {
        Path folder = shards(dir);
        Path bpe = folder.resolve(Tokenizers.FILE);
        if (Files.exists(bpe) && !Files.exists(seedDir.resolve(Tokenizers.FILE))) {
            Files.copy(bpe, seedDir.resolve(Tokenizers.FILE));
        }
        Tokenizer tok = Tokenizers.create(preset.data().tokenizer(), () -> {
            throw new DataException(folder + ": no " + Tokenizers.FILE + " for " + preset.data().tokenizer());
        }, seedDir);
        ModelConfig cfg = target.config().withVocabSize(tok.vocabSize());
        TokenShards shards = TokenShards.open(folder, tok.vocabSize()).onNotice(line -> eta.note(null, line));
        Preset.Training t = preset.training();
        return new SeedContext(target, seed, seedDir, shards,
                shards.validationTokens((long) t.evalBatches() * t.batch() * cfg.contextLength() + 1), cfg,
                t.schedule(target), tok);
    }

    private SeedContext context(DataDir dir, Preset.Target target, long seed) {
        Path seedDir = RunFolders.seed(root, target, seed);
        if (preset.data().shards() != null) {
            try {
                Files.createDirectories(seedDir);
                return shardedContext(dir, target, seed, seedDir);
            } catch (IOException e) {
                throw new DataException(seedDir + ": " + e.getMessage(), e);
            }
        }
        TrainingText text = TrainingText.load(dir, preset.data().sources(), preset.data().maxChars(),
                preset.data().valFraction(), seed);
        try {
            Files.createDirectories(seedDir);
        } catch (IOException e) {
            throw new DataException(seedDir + ": " + e.getMessage(), e);
        }
        Tokenizer tok = Tokenizers.create(preset.data().tokenizer(), text::train, seedDir);
        ModelConfig cfg = target.config().withVocabSize(tok.vocabSize());
        return new SeedContext(target, seed, seedDir, TrainingData.of(tok.encode(text.train())), tok.encode(text.val()), cfg,
                preset.training().schedule(target), tok);
    }

    private synchronized ZeroShot zeroShot(DataDir dir) {
        if (zeroShot == null) {
            zeroShot = new ZeroShot(dir, preset.eval());
        }
        return zeroShot;
    }

    /** @return a growth's key in the constants: {@code from → to} shapes */
    static String pair(ModelConfig from, ModelConfig to) {
        return RunFolders.shape(from) + " → " + RunFolders.shape(to);
    }

    /**
     * Algorithm 1's point on a finished curve (Figure 3's ablations grow where the practical runs do): the first
     * row whose slope reaches τ_G, else the last; GROWTH-TARGET ρ·S (Eq. 9).
     */
    static Results.Point practicalPoint(Results.Curve parent, double tauGrowth, double rho, long warmup,
                                        long scheduleEnd) {
        SlopeRule rule = new SlopeRule(parent.rows().get(0).stage(), 0, parent.scheduleStart(), tauGrowth, warmup, 0,
                parent.scheduleStart() == 0);
        TrainLog.Row pre = parent.rows().stream().filter(rule).findFirst().orElse(null);
        String how = String.format(java.util.Locale.ROOT, "slope reached τ_G = %.4f; ρ = %.3f", tauGrowth, rho);
        if (pre == null) {
            pre = parent.last();
            how = String.format(java.util.Locale.ROOT, "slope never reached τ_G = %.4f: grown at the end of the "
                    + "parent's log; ρ = %.3f", tauGrowth, rho);
        }
        long s = parent.scheduleStep(pre);
        return new Results.Point(pre, s, Math.max(1, Math.min(scheduleEnd - 1, Math.round(rho * s))), how);
    }

    /** The runs of one target and seed, in the order they depend on each other. */
    private final class Seed {
        private final SeedContext ctx;
        private final StageRunner runner;
        private final RunExecutor pool;
        private final long warmup = preset.training().warmup();
        private final long end;
        /** How long an original (and a practical run's stage before growth) may train before it must grow. */
        private final long cap;
        private final Map<ModelConfig, Results.Curve> originals = new LinkedHashMap<>();
        private Results.Curve baseline;
        private Map<String, Results.Constants> constants;

        Seed(SeedContext ctx, StageRunner runner, RunExecutor pool) {
            this.ctx = ctx;
            this.runner = runner;
            this.pool = pool;
            this.end = ctx.target().steps();
            int every = preset.training().evalEvery();
            this.cap = Math.max(every, Math.round(preset.original() * end / every) * every);
        }

        Results.Block block(ZeroShot zs, DataDir dir) {
            // the baseline and the originals need nothing from each other; the grown runs need them all
            List<ModelConfig> shapes = originalShapes();
            List<RunExecutor.Job<Results.Curve>> first = new ArrayList<>();
            Path base = RunFolders.fresh(ctx.dir(), "baseline");
            first.add(job(base, "baseline", () -> runner.fresh(ctx, base, "baseline", ctx.config(), end, r -> false)));
            shapes.forEach(o -> first.add(job(RunFolders.original(ctx.dir(), o), "original " + RunFolders.shape(o),
                    () -> original(o))));
            List<Results.Curve> trained = pool.all(first);
            baseline = trained.get(0);
            if (baseline.diverged()) {   // every table compares against it: nothing to report
                throw new IllegalStateException("the baseline of target " + ctx.target().name() + ", seed " + ctx.seed()
                        + ", diverged at step " + baseline.divergedAt() + " (a non-finite loss or gradient); every "
                        + "comparison needs it, so the preset stops here (a lower train.lr may help)");
            }
            for (int i = 0; i < shapes.size(); i++) {
                originals.put(shapes.get(i), trained.get(i + 1));
            }
            constants = constants();
            List<RunExecutor.Job<Results.Staged>> grown = new ArrayList<>();
            for (Preset.GrownRun run : allRuns()) {
                grown.add(job(RunFolders.run(ctx.dir(), run), run.label(), () -> run.ablation() ? ablation(run)
                        : run.schedule() == Preset.Schedule.PRACTICAL ? practical(run) : manual(run)));
            }
            Map<String, Results.Staged> runs = new LinkedHashMap<>();
            Map<String, Results.Staged> ablations = new LinkedHashMap<>();
            List<Results.Staged> tabled = new ArrayList<>();
            for (Results.Staged s : pool.all(grown)) {
                if (s.run().ablation()) {
                    ablations.put(s.run().label(), s);
                } else {
                    tabled.add(s);
                }
            }
            eta.evaluating(ctx.target().name() + " seed " + ctx.seed());
            Evaluations.Evaluated ev = new Evaluations(zs, pool, preset.eval().points())
                    .evaluate(ctx, RunFolders.fresh(ctx.dir(), "baseline"), baseline, ctx.target().checkpoints(), tabled);
            ev.runs().forEach(s -> runs.put(s.run().label(), s));
            RunFolders.pruneSnapshots(ctx.dir(), ctx.target().checkpoints());
            return new Results.Block(ctx.target(), ctx.seed(), baseline, ev.baseline(), runs, ablations, constants);
        }

        /** A job that writes {@code folder}, a folder of this seed. */
        private <T> RunExecutor.Job<T> job(Path folder, String title, Callable<T> call) {
            return new RunExecutor.Job<>(new RunExecutor.JobKey(ctx.target().name(), ctx.seed(),
                    ctx.dir().relativize(folder).toString()), title, call);
        }

        /** The grown runs of Table 1, then Figure 3's ablations. */
        private List<Preset.GrownRun> allRuns() {
            List<Preset.GrownRun> all = new ArrayList<>(preset.runs());
            all.addAll(preset.ablations());
            return all;
        }

        /** @return a run's shape before each growth and after the last: the original first, the target last */
        private List<ModelConfig> shapes(Preset.GrownRun run) {
            return Plan.of(registry, ctx.config(), String.join("; ", run.stages()),
                    PracticalConstants.APPENDIX_D, "shapes").shapes();
        }

        /**
         * Every model trained from scratch besides the baseline, each once, in preset order: each run's
         * original, and when the constants are estimated every smaller shape a growth starts from or grows into.
         */
        private List<ModelConfig> originalShapes() {
            LinkedHashSet<ModelConfig> out = new LinkedHashSet<>();
            for (Preset.GrownRun run : allRuns()) {
                List<ModelConfig> s = shapes(run);
                if (estimated()) {
                    out.addAll(s.subList(0, s.size() - 1));
                } else {
                    out.add(s.get(0));
                }
            }
            return List.copyOf(out);
        }

        private boolean estimated() {
            return preset.constants() == Preset.Constants.ESTIMATED;
        }

        /**
         * An original trains from scratch until the slope reaches the latest τ_G any run grows it at, or the
         * cap. Estimated constants are not known yet when it trains: then it trains to the cap.
         */
        private Results.Curve original(ModelConfig small) {
            double tau = Double.NaN;
            if (!estimated()) {
                for (Preset.GrownRun run : allRuns()) {
                    List<ModelConfig> s = shapes(run);
                    if (s.get(0).equals(small) && (run.ablation() || run.schedule() == Preset.Schedule.PRACTICAL)) {
                        double t = appendixD(s.get(0), s.get(1)).tauGrowth();
                        tau = Double.isNaN(tau) ? t : Math.max(tau, t);
                    }
                }
            }
            Predicate<TrainLog.Row> stop = Double.isNaN(tau) ? r -> false : new SlopeRule(1, 0, 0, tau, warmup, 0, true);
            Path dir = RunFolders.original(ctx.dir(), small);
            Results.Curve c = runner.fresh(ctx, dir, "original " + RunFolders.shape(small), small, cap, stop);
            if (!Double.isNaN(tau) && SlopeRule.firstCrossing(c.rows(), tau, warmup).isEmpty()) {
                eta.note(null, "original " + RunFolders.shape(small) + ": the slope did not reach τ_G = " + tau
                        + " within the cap of " + cap + " steps (original.steps_fraction)");
            }
            return c;
        }

        private Results.Constants appendixD(ModelConfig from, ModelConfig to) {
            PracticalConstants d = PracticalConstants.APPENDIX_D;
            String kind = Plan.kind(from, to);
            return new Results.Constants(kind, d.tauGrowth(kind), d.rho(kind), d.tauOpt(), "Appendix D");
        }

        /** The practical schedule's constants for every growth of every run, by {@link #pair}. */
        private Map<String, Results.Constants> constants() {
            Map<String, Results.Constants> out = new LinkedHashMap<>();
            for (Preset.GrownRun run : allRuns()) {
                List<ModelConfig> s = shapes(run);
                for (int k = 0; k + 1 < s.size(); k++) {
                    ModelConfig from = s.get(k);
                    ModelConfig to = s.get(k + 1);
                    out.computeIfAbsent(pair(from, to), key -> estimated() ? estimate(from, to) : appendixD(from, to));
                }
            }
            return out;
        }

        /** τ_G, ρ and τ_opt of one growth from its two models' curves from scratch (Appendix D as the fallback). */
        private Results.Constants estimate(ModelConfig from, ModelConfig to) {
            Results.Constants paper = appendixD(from, to);
            Results.Curve larger = to.equals(ctx.config()) ? baseline : originals.get(to);
            try {
                ConstantsEstimate e = ConstantsEstimate.from(originals.get(from).rows(), larger.rows(), warmup);
                boolean tangent = !Double.isNaN(e.tauOpt());
                return new Results.Constants(paper.kind(), e.tauGrowth(), e.rho(), tangent ? e.tauOpt() : paper.tauOpt(),
                        "estimated from this preset's curves" + (tangent ? "" : " (τ_opt: Appendix D, " + e.note() + ")"));
            } catch (IllegalArgumentException e) {
                return new Results.Constants(paper.kind(), paper.tauGrowth(), paper.rho(), paper.tauOpt(),
                        "Appendix D (estimation failed: " + e.getMessage() + ")");
            }
        }

        /** A practical run: a staged run whose first stage is the original's, grown at τ_G of each growth. */
        private Results.Staged practical(Preset.GrownRun run) {
            List<ModelConfig> s = shapes(run);
            List<Plan.Growth> growths = new ArrayList<>();
            for (int k = 0; k < run.stages().size(); k++) {
                Results.Constants c = constants.get(pair(s.get(k), s.get(k + 1)));
                growths.add(new Plan.Growth(run.stages().get(k), c.kind(), c.tauGrowth(), c.rho()));
            }
            // the last stage stops at the baseline's final loss, so every comparison of Tables 1-2 can be made
            Plan plan = new Plan(String.join("; ", run.stages()), s, growths, Double.NaN,
                    preset.constants().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            return runner.practical(ctx, run, plan, RunFolders.original(ctx.dir(), s.get(0)), cap,
                    baseline.last().valLoss());
        }

        /** A manual run: each growth where growing saves the most on the fitted curves (§6.1). */
        private Results.Staged manual(Preset.GrownRun run) {
            return stages(run, (parent, k, s) -> ManualSchedule.point(parent, baseline, warmup, end), end);
        }

        /**
         * A Figure 3 ablation: grown at the practical schedule's PRE-GROWTH (the original's first τ_G crossing,
         * or its last row) onto ρ·S, then trained briefly.
         */
        private Results.Staged ablation(Preset.GrownRun run) {
            long steps = Math.max(preset.training().evalEvery(), Math.round(preset.ablationSteps() * end));
            return stages(run, (parent, k, s) -> {
                Results.Constants c = constants.get(pair(s.get(k), s.get(k + 1)));
                return practicalPoint(parent, c.tauGrowth(), c.rho(), warmup, end);
            }, steps);
        }

        /** Chooses a stage's growth point from its parent's curve. */
        private interface PointRule {
            Results.Point choose(Results.Curve parent, int k, List<ModelConfig> shapes);
        }

        /**
         * A run grown stage by stage from snapshots, each stage in its own folder; the last stage stops at the
         * baseline's final loss.
         */
        private Results.Staged stages(Preset.GrownRun run, PointRule rule, long maxSteps) {
            List<ModelConfig> s = shapes(run);
            Results.Curve parent = originals.get(s.get(0));
            Path parentDir = RunFolders.original(ctx.dir(), s.get(0));
            List<Results.Curve> segments = new ArrayList<>();
            List<Path> dirs = new ArrayList<>();
            List<Results.Growth> growths = new ArrayList<>();
            double baselineFinal = baseline.last().valLoss();
            for (int k = 0; k < run.stages().size(); k++) {
                Results.Point p = rule.choose(parent, k, s);
                long pre = p.preGrowth().step();
                segments.add(new Results.Curve(parent.rows().stream().filter(r -> r.step() <= pre).toList(),
                        parent.scheduleStart()));
                dirs.add(parentDir);
                boolean last = k == run.stages().size() - 1;
                Predicate<TrainLog.Row> stop = last ? r -> r.valLoss() <= baselineFinal : r -> false;
                Path dir = RunFolders.stage(ctx.dir(), run, k + 1);
                String title = run.label() + " stage " + (k + 1) + "/" + run.stages().size() + " ("
                        + run.stages().get(k) + ")";
                StageRunner.Grown g = runner.grown(ctx, dir, title, s.get(k + 1), Trainer.snapshot(parentDir, pre),
                        run.stages().get(k), p, run, maxSteps, stop);
                growths.add(g.growth());
                parent = g.curve();
                parentDir = dir;
            }
            segments.add(parent);
            dirs.add(parentDir);
            return new Results.Staged(run, segments, dirs, growths, List.of());
        }
    }
}
