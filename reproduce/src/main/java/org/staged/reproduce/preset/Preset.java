package org.staged.reproduce.preset;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.growth.GrowthOperators;

/**
 * One reproduction of the paper's experiments (§6, Tables 1–2, Figures 1–3): target models and their
 * baselines, the grown runs and their schedules, seeds, data and evaluation budgets. Read from a plain
 * {@code key = value} file ({@code presets/NAME.preset} in the jar, or any file a user copied and edited).
 *
 * @param name        preset name (the results folder)
 * @param description one line shown in the report
 * @param data        training text and tokenizer
 * @param training    optimisation settings shared by every run (Kaplan et al.: one schedule shape for all sizes)
 * @param targets     GROWTH-TARGET models, each with its baseline trained from scratch
 * @param seeds       seeds; every run is repeated for each
 * @param original    how long the original (small) models train, as a fraction of their target's steps
 * @param constants   where the practical schedule's τ and ρ come from
 * @param runs        grown runs
 * @param eval        zero-shot evaluation budgets
 * @param ablations   Figure 3's runs: prior-work operators, zero optimizer state, LR restart (§6.3)
 * @param ablationSteps how long an ablation trains after growing, as a fraction of its target's steps
 * @param parallelRuns  runs trained side by side, each on an equal share of the cores (1: one after another)
 * @param task          what one run asks of a cluster ({@code reproduce --spark}); not part of the results' record
 */
public record Preset(String name, String description, Data data, Training training, List<Target> targets,
                     List<Long> seeds, double original, Constants constants, List<GrownRun> runs, Evaluation eval,
                     List<GrownRun> ablations, double ablationSteps, int parallelRuns,
                     @com.fasterxml.jackson.annotation.JsonIgnore Task task)
        implements java.io.Serializable {

    /** @return this preset reading its training text from {@code sources} */
    public Preset withSources(List<String> sources) {
        return new Preset(name, description, data.withSources(sources), training, targets, seeds, original, constants,
                runs, eval, ablations, ablationSteps, parallelRuns, task);
    }

    /**
     * What one run asks of a cluster's executor ({@code task.*}): the cores it trains on, the memory ND4J takes
     * outside the Java heap, and its GPUs, for Spark's resource scheduling.
     *
     * @param cores    CPU cores, which are also the run's ND4J threads
     * @param memoryGb off-heap memory in GB (0: the cluster's setting)
     * @param gpus     GPUs (0: none)
     */
    public record Task(int cores, int memoryGb, int gpus) implements java.io.Serializable {
        /** One core, the cluster's memory setting, no GPU. */
        public static final Task DEFAULT = new Task(1, 0, 0);
    }

    /** Built-in presets, in the order {@code --help} lists them. */
    public static final List<String> BUILT_IN = List.of("quick", "cpu", "cpu-full", "width-study",
            "width-study-attn", "gpt2-base", "gpt2-large");

    /**
     * @param sources     training sources under {@code train/}
     * @param maxChars    characters of training text to read
     * @param valFraction held-out fraction
     * @param tokenizer   tokenizer spec ({@code byte}, {@code gpt2}, {@code bpe:N})
     * @param shards      a folder of token shards (from {@code data prepare}) under the data directory to stream
     *                    instead of reading {@code sources} into memory, or null; its tokenizer must be
     *                    {@code tokenizer}
     * @param fetchC4Shards without a mirror ({@code --data-dir} or {@code STAGED_DATA_DIR}), the C4 English shards to
     *                    download and train on instead of {@code sources} ({@code data.fetch_c4_shards}); 0: none
     */
    public record Data(List<String> sources, long maxChars, double valFraction, String tokenizer,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String shards,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) int fetchC4Shards)
            implements java.io.Serializable {
        /** @return the same data read from {@code other} sources */
        public Data withSources(List<String> other) {
            return new Data(List.copyOf(other), maxChars, valFraction, tokenizer, shards, fetchC4Shards);
        }
    }

    /**
     * @param batch         sequences per step
     * @param lr            peak learning rate (unused with {@code perSizeLr})
     * @param warmup        warmup steps of every schedule
     * @param decaySteps    step at which the cosine decay reaches its floor, or 0 for each target's own steps;
     *                      Kaplan et al. decay over 250k steps, so the paper's curves see a near-constant LR
     * @param evalEvery     steps between validation points (and snapshots a growth can start from)
     * @param evalBatches   validation batches per point
     * @param dropout       dropout on embeddings and residual branches (GPT-2: 0.1; it also breaks the
     *                      symmetry of width-grown models)
     * @param attnDropout   dropout on the attention probabilities (GPT-2's attn_pdrop: 0.1; default 0)
     * @param perSizeLr     {@code train.lr = kaplan}: each model its own peak LR ({@link LrSchedule#kaplanPeakLr}),
     *                      a grown model its target's
     * @param microBatch    sequences per forward/backward pass ({@code train.micro_batch}), or null: the largest
     *                      that fits the memory the backend reports, per model
     * @param tokensPerS    the training speed the plan's ETA assumes ({@code plan.tokens_per_s}), or 0
     */
    public record Training(int batch, double lr, long warmup, long decaySteps, int evalEvery, int evalBatches,
                           double dropout, double attnDropout,
                           @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean perSizeLr,
                           @JsonInclude(JsonInclude.Include.NON_NULL) Integer microBatch,
                           @JsonInclude(JsonInclude.Include.NON_DEFAULT) double tokensPerS)
            implements java.io.Serializable {
        /** @return the LR schedule every run of a target follows, at the target's peak LR */
        public LrSchedule schedule(Target target) {
            double peak = perSizeLr ? LrSchedule.kaplanPeakLr(target.config().nonEmbeddingParams()) : lr;
            return new LrSchedule(peak, warmup, decaySteps > 0 ? decaySteps : target.steps(), LrSchedule.Decay.COSINE,
                    0.1);
        }

        /**
         * @param targetSchedule the target's schedule
         * @param model          a model trained on it (an original, a grown model, the baseline)
         * @return the schedule {@code model} trains on: the target's, at {@code model}'s own peak with
         *         {@code perSizeLr}
         */
        public LrSchedule scheduleFor(LrSchedule targetSchedule, ModelConfig model) {
            return perSizeLr ? targetSchedule.withPeakLr(LrSchedule.kaplanPeakLr(model.nonEmbeddingParams()))
                    : targetSchedule;
        }
    }

    /**
     * A GROWTH-TARGET model.
     *
     * @param name        short name (e.g. {@code base}); a folder of the results
     * @param model       model preset ({@code tiny}, {@code small}, {@code gpt2-large}, …)
     * @param dModel      width override, or null
     * @param nHead       heads override, or null
     * @param nLayer      layers override, or null
     * @param context     context length override, or null
     * @param steps       the baseline's steps: the length of the LR schedule every run of this target follows
     * @param checkpoints the baseline's steps at which Tables 1–2 compare (under-trained, ≈ OPTIMALITY, beyond)
     */
    public record Target(String name, String model, Integer dModel, Integer nHead, Integer nLayer, Integer context,
                         long steps, List<Long> checkpoints) implements java.io.Serializable {
        /** @return the model shape before the tokenizer sets the vocabulary */
        public ModelConfig config() {
            return ModelConfig.preset(model).overridden(dModel, nHead, nLayer, context);
        }
    }

    /** Which schedule picks a grown run's PRE-GROWTH and GROWTH-TARGET points. */
    public enum Schedule {
        /** PRE-GROWTH where growing saves the most on the measured curves; GROWTH-TARGET at equal loss (§6.1). */
        MANUAL,
        /** Algorithm 1: grow when the slope reaches τ_G, continue at ρ·S on the target's schedule (§5). */
        PRACTICAL
    }

    /** Where the practical schedule's constants come from. */
    public enum Constants {
        /** Estimated from this preset's own curves (the original and baseline of the 2× runs). */
        ESTIMATED,
        /** The paper's Appendix D values. */
        APPENDIX_D
    }

    /**
     * A staged run: a small model grown one or more times into its target.
     *
     * @param name     e.g. {@code 2xW}, {@code 2x2xD}
     * @param schedule how growth points are chosen
     * @param stages   growth spec per growth, e.g. {@code [width]}, {@code [width,width]}, {@code [depth, depth]}
     * @param ablation whether this is one of Figure 3's ablations (trained briefly, not in Tables 1–2)
     * @param restart  whether the LR schedule restarts after growth instead of continuing at GROWTH-TARGET
     * @param rewarm   steps of LR re-warmup after every growth (the authors' code: 150–200), 0 for none
     */
    public record GrownRun(String name, Schedule schedule, List<String> stages, boolean ablation, boolean restart,
                           long rewarm) implements java.io.Serializable {
        /** @return a folder-safe label, e.g. {@code 2xW-manual} or {@code ablation-stack-copy} */
        public String label() {
            return ablation ? "ablation-" + name : name + "-" + schedule.name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param wikitextChars   characters of WikiText-103 test scored (0: all of it)
     * @param lambadaPassages LAMBADA test passages scored (0: all 5,153)
     * @param points          zero-shot evaluation points per run, spread over its log
     */
    public record Evaluation(long wikitextChars, int lambadaPassages, int points) implements java.io.Serializable {
    }

    /**
     * Loads a built-in preset by name, or a preset file by path.
     *
     * @param nameOrFile {@code cpu}, or a path such as {@code my.preset}
     * @return the validated preset
     * @throws IllegalArgumentException naming the file, line and key of the first problem
     */
    public static Preset load(String nameOrFile) {
        PresetFile f = PresetFile.resource("/presets/" + nameOrFile + ".preset", "presets/" + nameOrFile + ".preset");
        if (f == null) {
            Path p = Path.of(nameOrFile);
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("--preset " + nameOrFile + ": neither a built-in preset ("
                        + String.join(", ", BUILT_IN) + ") nor a file");
            }
            f = PresetFile.read(p);
        }
        return from(f);
    }

    /** @return the text of a built-in preset, for copying and editing */
    public static String text(String name) {
        try (var in = Preset.class.getResourceAsStream("/presets/" + name + ".preset")) {
            if (in == null) {
                throw new IllegalArgumentException("no built-in preset '" + name + "'; known: " + String.join(", ", BUILT_IN));
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double learningRate(PresetFile f) {
        try {
            return f.positiveDouble("train.lr");
        } catch (IllegalArgumentException e) {
            throw f.error("train.lr", "a number > 0, or kaplan (each model size its own peak)", f.string("train.lr"));
        }
    }

    static Preset parse(String name, String text) {
        return from(PresetFile.parse(name, text));
    }

    private static Preset from(PresetFile f) {
        boolean sharded = f.has("data.shards");
        Data data = new Data(f.list("data.sources"), sharded && !f.has("data.max_chars") ? 0 : f.positiveLong("data.max_chars"),
                sharded && !f.has("data.val_fraction") ? 0 : f.fraction("data.val_fraction"), f.string("data.tokenizer"),
                sharded ? f.string("data.shards") : null,
                f.has("data.fetch_c4_shards") ? Math.toIntExact(f.positiveLong("data.fetch_c4_shards")) : 0);
        boolean kaplan = "kaplan".equals(f.string("train.lr"));
        Training training = new Training(Math.toIntExact(f.positiveLong("train.batch")),
                kaplan ? 0 : learningRate(f),
                f.positiveLong("train.warmup"), f.has("train.lr_decay_steps") ? nonNegative(f, "train.lr_decay_steps") : 0,
                Math.toIntExact(f.positiveLong("train.eval_every")),
                Math.toIntExact(f.positiveLong("train.eval_batches")), dropout(f, "train.dropout"),
                f.has("train.attn_dropout") ? dropout(f, "train.attn_dropout") : 0, kaplan,
                f.optionalInt("train.micro_batch"), f.has("plan.tokens_per_s") ? f.positiveDouble("plan.tokens_per_s") : 0);
        if (training.microBatch() != null && training.batch() % training.microBatch() != 0) {
            throw f.error("train.micro_batch", "a divisor of train.batch (" + training.batch() + ")",
                    String.valueOf(training.microBatch()));
        }
        if (training.decaySteps() > 0 && training.decaySteps() <= training.warmup()) {
            throw f.error("train.lr_decay_steps", "0 or more than train.warmup (" + training.warmup() + ")",
                    String.valueOf(training.decaySteps()));
        }
        List<Target> targets = new ArrayList<>();
        for (String t : f.list("targets")) {
            String p = "target." + t + ".";
            Target target = new Target(t, f.string(p + "model"), f.optionalInt(p + "d_model"), f.optionalInt(p + "n_head"),
                    f.optionalInt(p + "n_layer"), f.optionalInt(p + "context"), f.positiveLong(p + "steps"),
                    f.longList(p + "checkpoints"));
            try {
                target.config();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.where(p + "model") + ": " + e.getMessage(), e);
            }
            for (long c : target.checkpoints()) {
                if (c < 1 || c > target.steps() || c % training.evalEvery() != 0) {
                    throw f.error(p + "checkpoints", "steps in [1, " + target.steps() + "] that are multiples of "
                            + "train.eval_every (" + training.evalEvery() + ")", String.valueOf(c));
                }
            }
            if (target.steps() % training.evalEvery() != 0) {
                throw f.error(p + "steps", "a multiple of train.eval_every (" + training.evalEvery() + ")",
                        String.valueOf(target.steps()));
            }
            targets.add(target);
        }
        List<GrownRun> runs = new ArrayList<>();
        for (String key : f.keysWithPrefix("manual.")) {
            runs.add(run(f, key, Schedule.MANUAL));
        }
        for (String key : f.keysWithPrefix("practical.")) {
            runs.add(run(f, key, Schedule.PRACTICAL));
        }
        if (runs.isEmpty()) {
            throw new IllegalArgumentException(f.name() + ": no grown runs; add lines such as 'practical.2xW = width'");
        }
        Constants constants = switch (f.string("schedule.constants")) {
            case "estimated" -> Constants.ESTIMATED;
            case "appendix-d" -> Constants.APPENDIX_D;
            default -> throw f.error("schedule.constants", "estimated or appendix-d", f.string("schedule.constants"));
        };
        Evaluation eval = new Evaluation(nonNegative(f, "eval.wikitext_chars"),
                Math.toIntExact(nonNegative(f, "eval.lambada_passages")), Math.toIntExact(f.positiveLong("eval.points")));
        List<GrownRun> ablations = new ArrayList<>();
        for (String key : f.keysWithPrefix("ablation.")) {
            ablations.add(run(f, key, Schedule.PRACTICAL));
        }
        double ablationSteps = ablations.isEmpty() ? 0 : f.fraction("ablations.steps_fraction");
        Preset preset = new Preset(f.string("name"), f.string("description"), data, training, targets,
                f.longList("seeds"), f.fraction("original.steps_fraction"), constants, runs, eval, ablations,
                ablationSteps, f.has("parallel_runs") ? Math.toIntExact(f.positiveLong("parallel_runs")) : 1,
                new Task(f.has("task.cores") ? Math.toIntExact(f.positiveLong("task.cores")) : 1,
                        f.has("task.memory_gb") ? Math.toIntExact(nonNegative(f, "task.memory_gb")) : 0,
                        f.has("task.gpus") ? Math.toIntExact(nonNegative(f, "task.gpus")) : 0));
        f.checkAllUsed();
        return preset;
    }

    private static double dropout(PresetFile f, String key) {
        String v = f.string(key);
        try {
            double x = Double.parseDouble(v);
            if (x >= 0 && x < 1) {
                return x;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw f.error(key, "a probability in [0, 1)", v);
    }

    private static long nonNegative(PresetFile f, String key) {
        String v = f.string(key);
        try {
            long x = Long.parseLong(v);
            if (x >= 0) {
                return x;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw f.error(key, "a whole number >= 0", v);
    }

    /**
     * {@code manual.NAME = SPEC}, {@code practical.NAME = SPEC[; SPEC]} (one SPEC per growth), or
     * {@code ablation.NAME = SPEC}, each optionally followed by {@code @rewarm=N} (and an ablation by
     * {@code @restart}). A SPEC is operators joined by ',', each with options in parentheses:
     * {@code width(moments=matched)}.
     */
    private static GrownRun run(PresetFile f, String key, Schedule schedule) {
        String v = f.string(key);
        boolean ablation = key.startsWith("ablation.");
        String[] parts = v.split("@");
        boolean restart = false;
        long rewarm = 0;
        String expected = "operator names joined by ',' (one growth) and ';' (stages), e.g. 'width; width' or "
                + "'width(moments=matched)', optionally followed by @rewarm=STEPS" + (ablation ? " or @restart" : "");
        for (int i = 1; i < parts.length; i++) {
            String mod = parts[i].trim();
            if (mod.equals("restart") && ablation) {
                restart = true;
            } else if (mod.matches("rewarm=[0-9]+")) {
                rewarm = Long.parseLong(mod.substring("rewarm=".length()));
            } else {
                throw f.error(key, expected, v);
            }
        }
        List<String> stages = new ArrayList<>();
        GrowthOperators registry = GrowthOperators.discover();
        for (String spec : parts[0].split(";")) {
            String st = spec.trim();
            if (!st.matches("[a-z0-9-]+(\\([^()]*\\))?(\\s*,\\s*[a-z0-9-]+(\\([^()]*\\))?)*")) {
                throw f.error(key, expected, v);
            }
            try {
                st = registry.stage(st).name();   // one spelling per operator: the folder and report key
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f.where(key) + ": " + e.getMessage(), e);
            }
            stages.add(st);
        }
        if (ablation && stages.size() != 1) {
            throw f.error(key, "one growth (an ablation has one stage)", v);
        }
        return new GrownRun(key.substring(key.indexOf('.') + 1), schedule, stages, ablation, restart, rewarm);
    }
}
