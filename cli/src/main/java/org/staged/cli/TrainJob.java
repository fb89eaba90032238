package org.staged.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.staged.api.AtomicFiles;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.ShardPreparer;
import org.staged.eval.data.TokenShards;
import org.staged.eval.data.TrainingText;
import org.staged.eval.text.Tokenizer;
import org.staged.eval.text.Tokenizers;
import org.staged.models.AdamConfig;
import org.staged.models.GptInit;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.CheckpointException;
import org.staged.models.train.MicroBatch;
import org.staged.models.train.TrainConfig;
import org.staged.models.train.TrainingData;
import org.staged.models.train.Trainer;
import org.staged.api.growth.GrowthOperators;
import org.staged.run.Budget;
import org.staged.run.ConstantsFile;
import org.staged.run.Plan;
import org.staged.run.RunRecord;
import org.staged.run.StagedRun;
import org.staged.schedule.PracticalConstants;

/**
 * One training run from text to checkpoint: read and split the training text, build the tokenizer, train
 * (or resume) a GPT, and keep the options in {@code run.json} so a resumed run cannot silently change them.
 *
 * @param preset          model preset; its vocabulary size is replaced by the tokenizer's
 * @param shape           overrides of the preset's width, heads and layers (entries may be null)
 * @param dataDir         data directory flag (null: environment or default)
 * @param sources         training sources under {@code train/}
 * @param maxChars        characters of training text to read
 * @param valFraction     held-out fraction of that text
 * @param tokenizer       tokenizer spec ({@code byte}, {@code gpt2}, {@code bpe:N})
 * @param steps           optimizer steps
 * @param batch           sequences per step
 * @param lr              peak learning rate, or {@code kaplan}: each model size its own (see
 *                        {@link LrSchedule#kaplanPeakLr})
 * @param dropout         dropout on embeddings and residual branches during training
 * @param attnDropout     dropout on the attention probabilities during training
 * @param warmup          warmup steps
 * @param evalEvery       steps between validation evaluations
 * @param evalBatches     validation batches per evaluation
 * @param checkpointEvery steps between checkpoints
 * @param seed            seed of initialisation, data split and order (and of the dropout masks)
 * @param out             run directory
 * @param init            checkpoint to start from instead of a fresh model (e.g. a grown one), or null; its
 *                        schedule, position and cumulative tokens and FLOPs carry over. {@code hf:DIR} imports a
 *                        Hugging Face GPT-2 folder, which starts on this job's schedule
 * @param staging         Algorithm 1's options for a staged run, or null for one model
 * @param microBatch      sequences per forward/backward pass, a divisor of {@code batch}; null: the largest that
 *                        fits {@code memoryGb}
 * @param memoryGb        memory budget for choosing the micro-batch; null: what the backend reports (not part of
 *                        the run's options: a resumed run may choose again)
 * @param shards          a folder of token shards to stream instead of reading {@code sources}, or null
 * @param spikeGuard      skip a step whose loss exceeds this factor times the running mean (above 1), or null
 */
public record TrainJob(String preset, Shape shape, Path dataDir, List<String> sources, long maxChars, double valFraction,
                       String tokenizer, long steps, int batch, String lr, double dropout, double attnDropout,
                       long warmup, int evalEvery,
                       int evalBatches, int checkpointEvery, long seed, Path out, Path init, Staging staging,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Integer microBatch,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Double memoryGb,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Path shards,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Double spikeGuard) {
    /** The {@code lr} that gives each model size its own peak LR. */
    public static final String KAPLAN = "kaplan";
    /** File holding the options a run was started with. */
    public static final String OPTIONS = "run.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Overrides of a preset's shape; null keeps the preset's value. d_ff follows as 4·d_model.
     *
     * @param dModel  hidden size
     * @param nHead   attention heads
     * @param nLayer  blocks
     * @param context context length
     */
    public record Shape(Integer dModel, Integer nHead, Integer nLayer, Integer context) {
        /** No overrides. */
        public static final Shape PRESET = new Shape(null, null, null, null);

        /** @return {@code c} with these overrides */
        public ModelConfig applyTo(ModelConfig c) {
            return c.overridden(dModel, nHead, nLayer, context);
        }
    }

    /**
     * A staged run's options (Algorithm 1): the model of the job is the last stage's.
     *
     * @param stages       growths separated by ';', e.g. {@code width; depth}
     * @param constants    {@code appendix-d} or a constants file
     * @param tauGrowth    τ_G per growth instead of the constants', or null
     * @param rho          ρ per growth instead of the constants', or null
     * @param tauOpt       τ_opt instead of the constants' ({@code none}: stop only at the budget), or null
     * @param budgetSteps  steps over all stages, or null
     * @param budgetTokens tokens over all stages, or null
     * @param budgetPfDays PF-days over all stages, or null
     * @param stageCap     most steps of a stage before the last (0: none)
     * @param rewarm       LR re-warmup steps after each growth (0: none)
     */
    public record Staging(String stages, String constants, List<Double> tauGrowth, List<Double> rho, String tauOpt,
                          Long budgetSteps, Long budgetTokens, Double budgetPfDays, long stageCap, long rewarm) {

        /** @return the plan that ends at {@code target}, with the flags' constants over the file's */
        public Plan plan(GrowthOperators ops, ModelConfig target) {
            PracticalConstants c = ConstantsFile.load(constants);
            Plan p = Plan.of(ops, target, stages, c, constants);
            int n = p.growths().size();
            for (var flag : List.of(java.util.Map.entry("--tau-growth", tauGrowth == null ? List.<Double>of() : tauGrowth),
                    java.util.Map.entry("--rho", rho == null ? List.<Double>of() : rho))) {
                if (!flag.getValue().isEmpty() && flag.getValue().size() != n) {
                    throw new IllegalArgumentException(flag.getKey() + " " + flag.getValue() + ": expected " + n
                            + " value(s), one per growth of '" + p.stages() + "'");
                }
            }
            List<Plan.Growth> gs = new java.util.ArrayList<>();
            for (int k = 0; k < n; k++) {
                Plan.Growth g = p.growths().get(k);
                gs.add(new Plan.Growth(g.spec(), g.kind(), tauGrowth == null || tauGrowth.isEmpty() ? g.tauGrowth()
                        : tauGrowth.get(k), rho == null || rho.isEmpty() ? g.rho() : rho.get(k)));
            }
            double opt = p.tauOpt();
            if (tauOpt != null) {
                try {
                    opt = tauOpt.equals("none") ? Double.NaN : Double.parseDouble(tauOpt);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--tau-opt " + tauOpt + ": expected a number or none");
                }
            }
            boolean flags = tauGrowth != null && !tauGrowth.isEmpty() || rho != null && !rho.isEmpty() || tauOpt != null;
            return new Plan(p.stages(), p.shapes(), gs, opt, constants + (flags ? " with flags" : ""));
        }

        /** @return the budget over all stages */
        public Budget budget() {
            return new Budget(budgetSteps, budgetTokens, budgetPfDays);
        }
    }

    /** @return the default tokenizer of a preset: bytes up to a 256-token vocabulary, else a BPE of its size */
    public static String defaultTokenizer(String preset) {
        int v = ModelConfig.preset(preset).vocabSize();
        return v <= 256 ? "byte" : "bpe:" + v;
    }

    /**
     * Trains, or resumes when {@code out} holds a checkpoint of the same options.
     *
     * @param progress whether to draw progress bars
     * @return where the run ended
     */
    public Trainer.Result run(boolean progress) {
        return run(progress, line -> { });
    }

    /**
     * Trains, or resumes when {@code out} holds a checkpoint of the same options.
     *
     * @param progress whether to draw progress bars
     * @param status   receives the memory estimate and the micro-batch chosen
     * @return where the run ended
     */
    public Trainer.Result run(boolean progress, java.util.function.Consumer<String> status) {
        if (staging != null) {
            throw new IllegalStateException("a staged run: call runStaged");
        }
        DataDir dir = shards == null ? DataDir.resolve(dataDir) : null;   // fail before writing anything
        checkLr();
        checkMemory();
        ModelConfig base = shape.applyTo(ModelConfig.preset(preset));
        TrainConfig tc = new TrainConfig(batch, steps, evalEvery, evalBatches, checkpointEvery, seed, dropout,
                attnDropout);
        AtomicFiles.refuseOverwrite(out.resolve(Trainer.CHECKPOINT), "the run's checkpoint", init, "--init");
        checkOptions();
        if (init != null) {
            inheritTokenizer();
        }
        Corpus corpus = corpus(dir, base.contextLength(), status);
        Tokenizer tok = corpus.tokenizer();
        ModelConfig cfg = base.withVocabSize(tok.vocabSize());
        MicroBatch micro = microBatchFor(cfg);
        status.accept(micro.describe());
        Trainer trainer = new Trainer(tc, AdamConfig.defaults(), corpus.train(), corpus.val(), out, progress)
                .microBatch(micro.microBatch());
        if (spikeGuard != null) {
            trainer.spikeGuard(spikeGuard);
        }
        if (Trainer.canResume(out)) {
            return trainer.resume();
        }
        if (init != null) {
            Checkpoint.Loaded start = CheckpointInput.load(init, c -> new LrSchedule(peakLr(c), warmup, steps,
                    LrSchedule.Decay.COSINE, 0.1), "--lr, --warmup and --steps", status);
            ModelConfig c = start.state().config();
            if (c.vocabSize() != tok.vocabSize()) {
                throw new IllegalArgumentException(init + " has vocabulary " + c.vocabSize() + " but tokenizer "
                        + tok.name() + " has " + tok.vocabSize() + "; pass the --tokenizer the checkpoint was trained with");
            }
            return trainer.run(start.state(), start.extra().path("tokens").asLong(0),
                    start.extra().path("flops").asDouble(0));
        }
        LrSchedule schedule = new LrSchedule(peakLr(cfg), warmup, steps, LrSchedule.Decay.COSINE, 0.1);
        TrainingState fresh = TrainingState.fresh(cfg, GptInit.init(cfg, seed, DataType.FLOAT), schedule);
        return trainer.run(fresh, 0, 0);
    }

    /**
     * @param cfg a model this job trains
     * @return the micro-batch given, or the largest that fits the memory budget with {@code cfg}
     */
    MicroBatch microBatchFor(ModelConfig cfg) {
        if (microBatch != null) {
            return MicroBatch.given(microBatch, batch, cfg, dropout, attnDropout);
        }
        MicroBatch.Budget b = memoryGb != null ? new MicroBatch.Budget((long) (memoryGb * 1e9), "--memory-gb")
                : MicroBatch.detectBudget();
        return MicroBatch.choose(batch, cfg, dropout, attnDropout, b.bytes(), b.source());
    }

    private void checkMemory() {
        if (memoryGb != null && !(memoryGb > 0 && Double.isFinite(memoryGb))) {
            throw new IllegalArgumentException("--memory-gb must be a positive number, found " + memoryGb);
        }
        if (microBatch != null) {
            MicroBatch.checkDivides(microBatch, batch);
        }
        if (spikeGuard != null && !(spikeGuard > 1 && Double.isFinite(spikeGuard))) {
            throw new IllegalArgumentException("--spike-guard must be a factor above 1, found " + spikeGuard);
        }
        if (spikeGuard != null && staging != null) {
            throw new IllegalArgumentException("--spike-guard and --stages: the guard is for one model's run");
        }
    }

    private void checkLr() {
        if (!KAPLAN.equals(lr)) {
            peakLr(null);
        }
    }

    /**
     * @param cfg the model, needed for {@code kaplan}
     * @return the peak LR: the number given, or the per-size value for {@code cfg}
     */
    double peakLr(ModelConfig cfg) {
        if (KAPLAN.equals(lr)) {
            if (cfg == null) {
                throw new IllegalArgumentException("--lr kaplan needs a model size");
            }
            return LrSchedule.kaplanPeakLr(cfg.nonEmbeddingParams());
        }
        try {
            double x = Double.parseDouble(lr);
            if (!(x > 0) || !Double.isFinite(x)) {
                throw new NumberFormatException();
            }
            return x;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--lr " + lr + ": expected a positive number or 'kaplan' (0.003239 − "
                    + "0.0001395·log10(N), N the non-embedding parameters)");
        }
    }

    /**
     * Trains a staged run (Algorithm 1) from scratch, or resumes it when {@code out} holds one of the same
     * options and plan.
     *
     * @param progress whether to draw progress bars
     * @param status   receives one line per growth and at the end
     * @return where the run ended
     */
    public StagedRun.Outcome runStaged(boolean progress, java.util.function.Consumer<String> status) {
        if (init != null) {
            throw new IllegalArgumentException("--init and --stages: a staged run trains its original model from "
                    + "scratch; grow a checkpoint with staged grow instead");
        }
        DataDir dir = shards == null ? DataDir.resolve(dataDir) : null;   // fail before writing anything
        checkLr();
        checkMemory();
        ModelConfig base = shape.applyTo(ModelConfig.preset(preset));
        GrowthOperators ops = GrowthOperators.discover();
        staging.plan(ops, base);   // a bad plan fails before any data is read
        checkOptions();
        Corpus corpus = corpus(dir, base.contextLength(), status);
        Tokenizer tok = corpus.tokenizer();
        Plan plan = staging.plan(ops, base.withVocabSize(tok.vocabSize()));
        boolean perSize = KAPLAN.equals(lr);
        LrSchedule schedule = new LrSchedule(perSize ? peakLr(plan.shapes().get(plan.shapes().size() - 1)) : peakLr(null),
                warmup, steps, LrSchedule.Decay.COSINE, 0.1);
        TrainConfig tc = new TrainConfig(batch, steps, evalEvery, evalBatches, checkpointEvery, seed, dropout,
                attnDropout);
        StagedRun run = new StagedRun(plan, schedule, tc, AdamConfig.defaults(), corpus.train(), corpus.val(), out,
                progress, ops).budget(staging.budget()).stageCap(staging.stageCap())
                .rewarm(staging.rewarm()).status(status);
        if (perSize) {
            run.perSizeLr();
        }
        run.microBatch(this::microBatchFor);
        ModelConfig first = plan.shapes().get(0);
        return run.run(() -> TrainingState.fresh(first, GptInit.init(first, seed, DataType.FLOAT), run.schedule(1)));
    }

    /**
     * The training and validation tokens and the tokenizer that made them.
     *
     * @param tokenizer the tokenizer
     * @param train     training corpus (in memory, or shards streamed from disk)
     * @param val       validation tokens
     */
    record Corpus(Tokenizer tokenizer, TrainingData train, int[] val) {
    }

    /** Reads and tokenizes the sources, or opens the shards (with the tokenizer they were prepared with). */
    private Corpus corpus(DataDir dir, int context, java.util.function.Consumer<String> status) {
        if (shards == null) {
            TrainingText text = TrainingText.load(dir, sources, maxChars, valFraction, seed);
            Tokenizer tok = Tokenizers.create(tokenizer, text::train, out);
            return new Corpus(tok, TrainingData.of(tok.encode(text.train())), tok.encode(text.val()));
        }
        String prepared = shardTokenizer(shards);
        if (!prepared.equals(tokenizer)) {
            throw new IllegalArgumentException("--tokenizer " + tokenizer + ": the shards in " + shards + " were "
                    + "prepared with " + prepared);
        }
        Path bpe = shards.resolve(Tokenizers.FILE);
        try {
            if (Files.exists(bpe) && !Files.exists(out.resolve(Tokenizers.FILE))) {
                Files.createDirectories(out);
                Files.copy(bpe, out.resolve(Tokenizers.FILE));
            }
        } catch (IOException e) {
            throw new CheckpointException(out + ": cannot copy the tokenizer of " + shards + ": " + e.getMessage(), e);
        }
        Tokenizer tok = Tokenizers.create(tokenizer, () -> {
            throw new IllegalArgumentException(shards + ": no " + Tokenizers.FILE + " for " + tokenizer);
        }, out);
        TokenShards data = TokenShards.open(shards, tok.vocabSize()).onNotice(status);
        status.accept(String.format(java.util.Locale.ROOT, "training data: %,d tokens in %d shard(s) of %s",
                data.trainTokens(), data.trainShards().size(), shards));
        return new Corpus(tok, data, data.validationTokens((long) evalBatches * batch * context + 1));
    }

    /**
     * @param shards a folder of token shards
     * @return the tokenizer its manifest names, or {@code gpt2} for a folder without one (llm.c's scripts write
     *         GPT-2 tokens)
     */
    static String shardTokenizer(Path shards) {
        Path manifest = shards.resolve(ShardPreparer.MANIFEST);
        if (!Files.exists(manifest)) {
            return "gpt2";
        }
        try {
            return JSON.readTree(manifest.toFile()).path("tokenizer").asText("gpt2");
        } catch (IOException e) {
            throw new IllegalArgumentException(manifest + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Writes run.json, or checks that an existing one matches these options. */
    private void checkOptions() {
        RunRecord.writeOrCompare(out.resolve(OPTIONS), JSON.valueToTree(withoutPaths()), "set of options");
    }

    private TrainJob withoutPaths() {
        return new TrainJob(preset, shape, null, sources, maxChars, valFraction, tokenizer, steps, batch, lr, dropout, attnDropout,
                warmup,
                evalEvery, evalBatches, checkpointEvery, seed, null, init, staging, microBatch, null, null, spikeGuard);
    }

    /** A run started from a checkpoint uses the BPE saved beside it, not a new one. */
    private void inheritTokenizer() {
        Path theirs = init.toAbsolutePath().getParent().resolve(Tokenizers.FILE);
        Path mine = out.resolve(Tokenizers.FILE);
        if (tokenizer.startsWith("bpe:") && Files.exists(theirs) && !Files.exists(mine)) {
            try {
                Files.copy(theirs, mine);
            } catch (IOException e) {
                throw new CheckpointException(mine + ": cannot copy the tokenizer of " + init + ": " + e.getMessage(), e);
            }
        }
    }
}
