package org.staged.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.staged.models.Bench;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.run.StagedRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code staged train}: train one GPT on the training text, with resume. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a GPT on the training text; rerun the same command to resume after an interruption.",
                "With --stages, a staged run (Algorithm 1): the original model trains from scratch, grows its whole "
                        + "training state when the slope of its loss curve reaches τ_G, continues at GROWTH-TARGET "
                        + "ρ·S, and the last stage stops at OPTIMALITY (τ_opt) or at the budget."})
public final class TrainCommand implements Callable<Integer> {
    // model and data
    @Option(names = {"-c", "--config"}, description = "model preset: micro, tiny, small, gpt2-base, gpt2-large "
            + "(default: ${DEFAULT-VALUE})")
    String config = "tiny";
    @Option(names = "--d-model", description = "hidden size instead of the preset's (d_ff = 4·d_model)")
    Integer dModel;
    @Option(names = "--n-head", description = "attention heads instead of the preset's")
    Integer nHead;
    @Option(names = "--n-layer", description = "blocks instead of the preset's")
    Integer nLayer;
    @Option(names = "--context", description = "context length instead of the preset's")
    Integer context;
    @Option(names = "--data-dir", description = "data directory (default: $STAGED_DATA_DIR, else ./data)")
    Path dataDir;
    @Option(names = "--sources", split = ",", description = "training sources under train/ (default: ${DEFAULT-VALUE})")
    List<String> sources = List.of("wikipedia_en", "gutenberg_en");
    @Option(names = "--shards", description = "a folder of token shards (from staged data prepare, or llm.c's "
            + "scripts) to stream instead of reading --sources; its tokenizer is used")
    Path shards;
    @Option(names = "--max-chars", description = "characters of training text to read (default: ${DEFAULT-VALUE})")
    long maxChars = 8_000_000;
    @Option(names = "--val-fraction", description = "held-out fraction for validation (default: ${DEFAULT-VALUE})")
    double valFraction = 0.02;
    @Option(names = "--tokenizer", description = "byte, gpt2 or bpe:N (default: byte for a 256-token preset, "
            + "else bpe:<preset vocabulary>)")
    String tokenizer;
    // optimisation
    @Option(names = "--steps", description = "optimizer steps (default: ${DEFAULT-VALUE})")
    long steps = 300;
    @Option(names = "--batch", description = "sequences per step (default: ${DEFAULT-VALUE})")
    int batch = 16;
    @Option(names = "--micro-batch", description = "sequences per forward/backward pass, a divisor of --batch; "
            + "their gradients are averaged into one step (default: the largest that fits --memory-gb)")
    Integer microBatch;
    @Option(names = "--memory-gb", description = "memory for the training state and one pass, in GB, for choosing "
            + "the micro-batch (default: what the backend reports: a GPU's memory, else available RAM)")
    Double memoryGb;
    @Option(names = "--lr", description = "peak learning rate, or 'kaplan': each model size the authors' "
            + "0.003239 − 0.0001395·log10(N), N its non-embedding parameters (in a staged run the original at its "
            + "own, each grown model at its target's) (default: ${DEFAULT-VALUE})")
    String lr = "0.001";
    @Option(names = "--dropout", description = "dropout on embeddings and residual branches; GPT-2 used 0.1 "
            + "(default: ${DEFAULT-VALUE})")
    double dropout = 0;
    @Option(names = "--attn-dropout", description = "dropout on the attention probabilities; GPT-2 used 0.1 "
            + "(default: ${DEFAULT-VALUE})")
    double attnDropout = 0;
    @Option(names = "--spike-guard", description = "skip the update of a step whose training loss exceeds this "
            + "factor times its running mean (e.g. 3, for fp16/bf16 runs); skipped steps are counted and reported")
    Double spikeGuard;
    @Option(names = "--warmup", description = "warmup steps (default: 10%% of --steps)")
    Long warmup;
    @Option(names = "--seed", description = "seed of initialisation, split and data order (default: ${DEFAULT-VALUE})")
    long seed = 1;
    // evaluation and output
    @Option(names = "--eval-every", description = "steps between validation evaluations (default: ${DEFAULT-VALUE})")
    int evalEvery = 25;
    @Option(names = "--eval-batches", description = "validation batches per evaluation (default: ${DEFAULT-VALUE})")
    int evalBatches = 8;
    @Option(names = "--checkpoint-every", description = "steps between checkpoints, a multiple of --eval-every "
            + "(default: ${DEFAULT-VALUE})")
    int checkpointEvery = 50;
    @Option(names = {"-o", "--out"}, description = "run directory (default: runs/<config>)")
    Path out;
    @Option(names = "--init", description = "start from this checkpoint (e.g. one written by staged grow) instead "
            + "of a fresh model; its LR schedule and position, tokens and FLOPs carry over. hf:DIR imports a Hugging "
            + "Face GPT-2 folder (config.json, model.safetensors), which trains on the schedule of --lr, --warmup and "
            + "--steps from Adam moments of 0")
    Path init;
    // a staged run (Algorithm 1)
    @Option(names = "--stages", description = "train a staged run: the original model from scratch, grown when its "
            + "loss curve's slope reaches τ_G, e.g. \"width; depth\" (growths separated by ';'); the model above is "
            + "the last stage's, --steps its schedule's length")
    String stages;
    @Option(names = "--constants", description = "τ_G, ρ and τ_opt: appendix-d or a file from schedule estimate --out "
            + "(default: ${DEFAULT-VALUE})")
    String constants = "appendix-d";
    @Option(names = "--tau-growth", split = ",", description = "τ_G per growth, overriding --constants")
    List<Double> tauGrowth;
    @Option(names = "--rho", split = ",", description = "ρ per growth (GROWTH-TARGET = ρ·S), overriding --constants")
    List<Double> rho;
    @Option(names = "--tau-opt", description = "τ_opt: the last stage stops at OPTIMALITY, where its slope reaches "
            + "it; 'none' to stop only at the budget (default: from --constants)")
    String tauOpt;
    @Option(names = "--budget-steps", description = "steps over all stages")
    Long budgetSteps;
    @Option(names = "--budget-tokens", description = "training tokens over all stages")
    Long budgetTokens;
    @Option(names = "--budget-pf-days", description = "compute over all stages, in PF-days")
    Double budgetPfDays;
    @Option(names = "--stage-cap", description = "grow after at most this many steps of a stage even before τ_G "
            + "(0: no cap) (default: ${DEFAULT-VALUE})")
    long stageCap = 0;
    @Option(names = "--rewarm", description = "re-warm the LR from 0 over this many steps after each growth "
            + "(default: ${DEFAULT-VALUE}, the paper's recipe)")
    long rewarm = 0;
    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() {
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("--dropout must be in [0, 1), found " + dropout);
        }
        if (!(attnDropout >= 0 && attnDropout < 1)) {
            throw new IllegalArgumentException("--attn-dropout must be in [0, 1), found " + attnDropout);
        }
        Bench.setThreads(threads);
        TrainJob job = new TrainJob(config, new TrainJob.Shape(dModel, nHead, nLayer, context), dataDir, sources, maxChars, valFraction,
                tokenizer != null ? tokenizer : shards != null ? TrainJob.shardTokenizer(shards)
                        : TrainJob.defaultTokenizer(config), steps, batch, lr, dropout, attnDropout,
                warmup != null ? warmup : Math.max(1, steps / 10), evalEvery, evalBatches, checkpointEvery, seed,
                out != null ? out : Path.of("runs", config), init, stages == null ? null
                : new TrainJob.Staging(stages, constants, tauGrowth, rho, tauOpt, budgetSteps, budgetTokens, budgetPfDays,
                stageCap, rewarm), microBatch, memoryGb, shards, spikeGuard);
        if (stages != null) {
            StagedRun.Outcome o = job.runStaged(!quiet, System.out::println);
            System.out.println(LossCurve.markdown(TrainLog.read(job.out().resolve(Trainer.LOG))));
            System.out.printf("%d growth(s); ended in stage %d at step %d (%s): validation loss %.4f after %d tokens, "
                            + "%.3g FLOPs; log %s, growths %s%n", o.growths().size(), o.stage(), o.step(),
                    o.ended().words(), o.valLoss(), o.tokens(), o.flops(), job.out().resolve(Trainer.LOG),
                    job.out().resolve(StagedRun.GROWTHS));
            return 0;
        } else if (budgetSteps != null || budgetTokens != null || budgetPfDays != null || tauGrowth != null
                || rho != null || tauOpt != null || stageCap != 0 || rewarm != 0) {
            throw new IllegalArgumentException("--budget-*, --tau-growth, --rho, --tau-opt, --stage-cap and --rewarm "
                    + "belong to a staged run: give --stages too");
        }
        Trainer.Result r = job.run(!quiet, System.out::println);
        System.out.println(LossCurve.markdown(TrainLog.read(job.out().resolve(Trainer.LOG))));
        System.out.printf("final validation loss %.4f after %d tokens, %.3g FLOPs; log %s%n", r.lastValLoss(),
                r.tokens(), r.flops(), job.out().resolve(Trainer.LOG));
        if (spikeGuard != null) {
            System.out.printf("loss-spike guard (factor %.3g): %d step(s) skipped%n", spikeGuard, r.spikesSkipped());
        }
        return 0;
    }
}
