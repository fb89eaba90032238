package org.staged.models.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.staged.api.TrainingState;
import org.staged.models.Adam;
import org.staged.models.AdamConfig;
import org.staged.models.Gpt;
import org.staged.models.PackedState;

/**
 * Trains one stage: batches from a token stream, Adam on the learning-rate schedule of the state, validation
 * loss every {@code evalEvery} steps appended to {@code log.csv}, and the whole state checkpointed to
 * {@code checkpoint.safetensors} with the data position, so {@link #resume} continues bit-identically.
 */
public final class Trainer {
    /** File name of the run's checkpoint inside its directory. */
    public static final String CHECKPOINT = "checkpoint.safetensors";
    /** File name of the run's loss curve inside its directory. */
    public static final String LOG = "log.csv";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TrainConfig cfg;
    private final AdamConfig adam;
    private final TrainingData train;
    private final int[] val;
    private final Path runDir;
    private final boolean progress;
    private Consumer<TrainLog.Row> onRow = r -> { };
    private Predicate<TrainLog.Row> stopRule = r -> false;
    private boolean snapshots;
    private double spikeFactor;      // 0: no loss-spike guard
    private double lossMean = Double.NaN;   // running mean of the training loss the guard compares with
    private long spikesSkipped;
    private int stage = 1;
    private int microBatch;          // sequences per forward/backward pass; 0: the whole batch
    private ObjectNode tags = JSON.createObjectNode();

    /**
     * Where a run ended.
     *
     * @param step   the run's step (cumulative over the stages of a staged run)
     * @param position where the next step would read the training data
     * @param spikesSkipped updates the loss-spike guard skipped over the whole run (0 without a guard)
     */
    public record Result(TrainingState state, long step, long tokens, double flops, double lastValLoss,
                         TrainingStream.Position position, long spikesSkipped) {
    }

    /**
     * @param cfg      steps, batch, evaluation and checkpoint cadence
     * @param adam     optimizer settings
     * @param train    training token stream
     * @param val      validation token stream
     * @param runDir   directory for the log and checkpoint
     * @param progress whether to draw a progress bar on stderr
     */
    public Trainer(TrainConfig cfg, AdamConfig adam, int[] train, int[] val, Path runDir, boolean progress) {
        this(cfg, adam, TrainingData.of(train), val, runDir, progress);
    }

    /**
     * @param cfg      steps, batch, evaluation and checkpoint cadence
     * @param adam     optimizer settings
     * @param train    training corpus (in memory, or token shards streamed from disk)
     * @param val      validation token stream
     * @param runDir   directory for the log and checkpoint
     * @param progress whether to draw a progress bar on stderr
     */
    public Trainer(TrainConfig cfg, AdamConfig adam, TrainingData train, int[] val, Path runDir, boolean progress) {
        this.cfg = cfg;
        this.adam = adam;
        this.train = train;
        this.val = val;
        this.runDir = runDir;
        this.progress = progress;
    }

    /** Registers a callback for every log row (after it is written). */
    public Trainer onRow(Consumer<TrainLog.Row> callback) {
        this.onRow = callback;
        return this;
    }

    /**
     * Ends the run early at the first log row for which {@code rule} holds (checkpointed there). A resumed run
     * whose checkpoint is such a row ends at once, so an interrupted run ends where an uninterrupted one did.
     */
    public Trainer stopWhen(Predicate<TrainLog.Row> rule) {
        this.stopRule = rule;
        return this;
    }

    /**
     * Keeps every checkpoint as {@code snapshot-STEP.safetensors} (a hard link where the file system allows),
     * so later stages can start from any of them.
     */
    public Trainer keepSnapshots() {
        this.snapshots = true;
        return this;
    }

    /**
     * Skips the update of a step whose training loss exceeds {@code factor} times the running mean of the
     * losses before it (for fp16/bf16 runs, where a rare overflow spikes the loss); skipped steps are counted.
     *
     * @param factor how many times the running mean counts as a spike, above 1
     * @return this trainer
     */
    public Trainer spikeGuard(double factor) {
        if (!(factor > 1) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("spike guard factor must be a number above 1, found " + factor);
        }
        this.spikeFactor = factor;
        return this;
    }

    /**
     * Splits each step's batch into passes of {@code sequences}, whose gradients are summed and then averaged
     * before the one optimizer step: the same update as the whole batch up to float round-off, in the memory
     * of one micro-batch. Validation runs in passes of the same size.
     *
     * @param sequences sequences per pass, a divisor of the batch
     * @return this trainer
     */
    public Trainer microBatch(int sequences) {
        if (sequences < 1 || cfg.batchSize() % sequences != 0) {
            throw new IllegalArgumentException("micro-batch " + sequences + " must divide the batch of "
                    + cfg.batchSize() + " sequences");
        }
        this.microBatch = sequences == cfg.batchSize() ? 0 : sequences;
        return this;
    }

    /** @return how many updates the loss-spike guard skipped so far in this run */
    public long spikesSkipped() {
        return spikesSkipped;
    }

    /**
     * Marks this trainer's log rows and checkpoints with a stage of a staged run, and adds {@code tags} (e.g.
     * the run's provenance) to every checkpoint's metadata.
     *
     * @param stage stage number, from 1
     * @param tags  JSON fields added to each checkpoint's extra metadata
     */
    public Trainer stage(int stage, ObjectNode tags) {
        this.stage = stage;
        this.tags = tags.deepCopy();
        return this;
    }

    /** @return the snapshot of {@code runDir} at run step {@code step} */
    public static Path snapshot(Path runDir, long step) {
        return runDir.resolve("snapshot-" + step + ".safetensors");
    }

    /** @return true when {@code runDir} holds a checkpoint to resume from */
    public static boolean canResume(Path runDir) {
        return Files.exists(runDir.resolve(CHECKPOINT));
    }

    /**
     * Trains from {@code initial} for {@code cfg.steps()} steps, starting a new log.
     *
     * @param initial      the state to train (fresh, or just grown)
     * @param tokensBefore tokens consumed by earlier stages
     * @param flopsBefore  FLOPs spent by earlier stages
     * @return the final state and totals
     */
    public Result run(TrainingState initial, long tokensBefore, double flopsBefore) {
        return run(initial, tokensBefore, flopsBefore, TrainingStream.Position.START, 0);
    }

    /**
     * As {@link #run(TrainingState, long, double)}, but reading the data stream from a position (a grown
     * model continues on the text its original had not seen yet).
     *
     * @param initial      the state to train
     * @param tokensBefore tokens consumed by earlier stages
     * @param flopsBefore  FLOPs spent by earlier stages
     * @param position     where to start reading the training data
     * @return the final state and totals
     */
    public Result run(TrainingState initial, long tokensBefore, double flopsBefore, TrainingStream.Position position) {
        return run(initial, tokensBefore, flopsBefore, position, 0);
    }

    /**
     * As {@link #run(TrainingState, long, double, long, int)}, as the next stage of a staged run that logs in
     * the same folder: steps count on from {@code startStep} up to {@code cfg.steps()}, and the log keeps the
     * earlier stages' rows up to {@code startStep}.
     *
     * @param initial      the state to train
     * @param tokensBefore tokens consumed by earlier stages
     * @param flopsBefore  FLOPs spent by earlier stages
     * @param position     where to start reading the training data
     * @param startStep    steps done by earlier stages
     * @return the final state and totals
     */
    public Result run(TrainingState initial, long tokensBefore, double flopsBefore, TrainingStream.Position position,
                      long startStep) {
        TrainingStream batches = train.open(initial.config().contextLength(), cfg.batchSize(), cfg.seed());
        batches.seek(position);
        lossMean = Double.NaN;
        spikesSkipped = 0;
        return loop(PackedState.of(initial), batches, startStep, tokensBefore, flopsBefore,
                startStep == 0 ? -1 : startStep);
    }

    /**
     * Continues from the checkpoint in {@code runDir}: same batches, same updates, the log cut back to the
     * checkpoint's step.
     *
     * @return the final state and totals
     */
    public Result resume() {
        Checkpoint.Loaded c = Checkpoint.load(runDir.resolve(CHECKPOINT));
        JsonNode x = c.extra();
        TrainingStream batches = train.open(c.state().config().contextLength(), cfg.batchSize(), cfg.seed());
        batches.seek(TrainingStream.Position.of(x));
        long runStep = x.get("run_step").asLong();
        lossMean = x.path("loss_mean").asDouble(Double.NaN);   // the guard decides on the same numbers after a resume
        spikesSkipped = x.path("spikes_skipped").asLong(0);
        return loop(PackedState.of(c.state()), batches, runStep, x.get("tokens").asLong(),
                x.get("flops").asDouble(), runStep);
    }

    private Result loop(PackedState ps, TrainingStream batches, long runStep, long tokens, double flops, long keep) {
        TrainingState s = ps.state();
        int t = s.config().contextLength();
        Gpt gpt = new Gpt(s.config(), s.params());
        double flopsPerStep = (double) cfg.batchSize() * t * s.config().trainingFlopsPerToken(t);
        ProgressBar bar = progress ? new ProgressBar("train", cfg.steps()) : null;
        double lossSum = 0;
        int lossCount = 0;
        double lastVal = Double.NaN;
        double smoothLoss = Double.NaN;   // exponential moving average of the training loss, for display
        long startNanos = System.nanoTime();
        long startStep = runStep;
        long lastSaved = keep >= 0 && canResume(runDir) ? keep : -1;   // the last checkpoint known to be good
        try (TrainLog log = new TrainLog(runDir.resolve(LOG), keep)) {   // drops rows after the checkpoint
            if (keep >= 0) {
                for (TrainLog.Row r : TrainLog.read(runDir.resolve(LOG))) {
                    if (r.step() == keep && r.stage() == stage && stopRule.test(r)) {   // it had already ended here
                        return new Result(s, runStep, tokens, flops, r.valLoss(), batches.position(), spikesSkipped);
                    }
                }
            }
            while (runStep < cfg.steps()) {
                TokenBatches.Batch b = batches.next();
                double lr = s.lr();
                double loss = lossAndGradients(gpt, ps, b, s.step());
                if (!Double.isFinite(loss) || !ps.gradsFinite()) {   // stop before the update spoils the state
                    throw diverged(runStep + 1, Double.isFinite(loss) ? "a non-finite gradient (training loss "
                            + loss + ")" : "training loss " + loss, lastSaved);
                }
                lossSum += loss;
                lossCount++;
                smoothLoss = Double.isNaN(smoothLoss) ? loss : 0.9 * smoothLoss + 0.1 * loss;
                if (spikeFactor > 0 && Double.isFinite(lossMean) && loss > spikeFactor * lossMean) {
                    spikesSkipped++;   // the batch is used up, the state is not updated
                } else {
                    lossMean = Double.isNaN(lossMean) ? loss : 0.95 * lossMean + 0.05 * loss;
                    Adam.step(ps, adam);
                }
                runStep++;
                tokens += b.inputs().length();
                flops += flopsPerStep;
                if (runStep % cfg.evalEvery() == 0 || runStep == cfg.steps()) {
                    double[] perBatch = validationLosses(gpt, t);
                    lastVal = mean(perBatch);
                    if (!Double.isFinite(lastVal)) {
                        throw diverged(runStep, "validation loss " + lastVal, lastSaved);
                    }
                    // rules see the row as logged, so a resumed run decides on the same numbers
                    TrainLog.Row row = new TrainLog.Row(stage, runStep, tokens, flops, lossSum / lossCount, lastVal,
                            lr, perBatch).logged();
                    log.append(row);
                    lossSum = 0;
                    lossCount = 0;
                    boolean stopping = stopRule.test(row);
                    if (runStep == cfg.steps() || stopping
                            || (cfg.checkpointEvery() > 0 && runStep % cfg.checkpointEvery() == 0)) {
                        Checkpoint.save(runDir.resolve(CHECKPOINT), s, extra(runStep, batches, tokens, flops));
                        lastSaved = runStep;
                        if (snapshots) {
                            link(runDir.resolve(CHECKPOINT), snapshot(runDir, runStep));
                        }
                    }
                    onRow.accept(row);
                    if (stopping) {
                        break;
                    }
                }
                if (bar != null) {
                    double tps = (runStep - startStep) * (double) b.inputs().length()
                            / ((System.nanoTime() - startNanos) / 1e9);
                    bar.update(runStep, String.format("loss %.3f val %.3f %.0f tok/s", smoothLoss, lastVal, tps));
                }
            }
        }
        if (bar != null) {
            bar.finish();
        }
        return new Result(s, runStep, tokens, flops, lastVal, batches.position(), spikesSkipped);
    }

    /**
     * One step's loss and gradients (into {@code ps}), over the whole batch or as the mean of its micro-batches.
     * Each pass draws its dropout masks from (seed, step, pass), so a resumed run draws the same ones.
     */
    double lossAndGradients(Gpt gpt, PackedState ps, TokenBatches.Batch b, long step) {
        ps.zeroGrads();
        long seed = cfg.seed() * 1_000_003L + step;
        if (microBatch == 0 || b.inputs().size(0) % microBatch != 0) {   // the latter only on a corpus under one batch
            gpt.setDropout(cfg.dropout(), cfg.attnDropout(), seed);
            return gpt.lossAndGradients(b.inputs(), b.targets(), ps.grads());
        }
        int passes = (int) (b.inputs().size(0) / microBatch);
        double loss = 0;
        for (int i = 0; i < passes; i++) {
            gpt.setDropout(cfg.dropout(), cfg.attnDropout(), seed + i * 0x9E3779B97F4A7C15L);
            loss += gpt.lossAndGradients(rows(b.inputs(), i), rows(b.targets(), i), ps.grads());
        }
        ps.scaleGrads(1.0 / passes);   // every pass holds as many tokens, so the mean of means is the batch mean
        return loss / passes;
    }

    /** Rows [i·micro, (i+1)·micro) of a [B, T] batch, as a contiguous array. */
    private INDArray rows(INDArray batch, int i) {
        return batch.get(NDArrayIndex.interval((long) i * microBatch, (long) (i + 1) * microBatch),
                NDArrayIndex.all()).dup();
    }

    private DivergenceException diverged(long step, String what, long lastSaved) {
        return new DivergenceException(step, "the run diverged at step " + step + ": " + what + "; "
                + (lastSaved >= 0 ? "the last good checkpoint is " + runDir.resolve(CHECKPOINT) + " (step " + lastSaved
                + "), left as it was" : "no checkpoint had been written") + " (a lower learning rate may help)");
    }

    /** Hard-links {@code to} to the current checkpoint (a copy where links are not supported). */
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

    /**
     * The validation loss the log would record for {@code state}: e.g. right after a growth, to show the loss
     * is preserved.
     *
     * @param state a training state
     * @return mean loss over the same validation batches every log row uses
     */
    public double validationLoss(TrainingState state) {
        return validationLoss(new Gpt(state.config(), state.params()), state.config().contextLength());
    }

    /** Mean loss over the first {@code evalBatches} validation batches, always the same ones. */
    private double validationLoss(Gpt gpt, int t) {
        return mean(validationLosses(gpt, t));
    }

    /** The loss of each of the first {@code evalBatches} validation batches, always the same ones. */
    private double[] validationLosses(Gpt gpt, int t) {
        TokenBatches v = new TokenBatches(val, t, cfg.batchSize(), 0, false);
        int n = (int) Math.max(1, Math.min(cfg.evalBatches(), v.sequences() / cfg.batchSize()));
        double[] losses = new double[n];
        for (int i = 0; i < n; i++) {
            TokenBatches.Batch b = v.next();
            if (microBatch == 0 || b.inputs().size(0) % microBatch != 0) {
                losses[i] = gpt.loss(b.inputs(), b.targets());
            } else {
                int passes = (int) (b.inputs().size(0) / microBatch);
                for (int j = 0; j < passes; j++) {
                    losses[i] += gpt.loss(rows(b.inputs(), j), rows(b.targets(), j)) / passes;
                }
            }
        }
        return losses;
    }

    private static double mean(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return sum / v.length;
    }

    private ObjectNode extra(long runStep, TrainingStream batches, long tokens, double flops) {
        ObjectNode x = extra(tags, stage, runStep, batches.position(), tokens, flops, cfg.seed());
        if (spikeFactor > 0) {
            x.put("loss_mean", lossMean);
            x.put("spikes_skipped", spikesSkipped);
        }
        return x;
    }

    /**
     * The metadata a checkpoint needs to resume: what {@link #resume} reads back.
     *
     * @param tags    the caller's fields (see {@link #stage})
     * @param stage   stage number
     * @param runStep the run's step
     * @param position where the training data would be read next
     * @param tokens  tokens consumed so far
     * @param flops   FLOPs spent so far
     * @param seed    data-order seed
     * @return the extra JSON to save with the state
     */
    public static ObjectNode extra(ObjectNode tags, int stage, long runStep, TrainingStream.Position position,
                                   long tokens, double flops, long seed) {
        ObjectNode x = tags.deepCopy();
        x.put("stage", stage);
        x.put("run_step", runStep);
        position.writeTo(x);
        x.put("tokens", tokens);
        x.put("flops", flops);
        x.put("seed", seed);
        return x;
    }
}
