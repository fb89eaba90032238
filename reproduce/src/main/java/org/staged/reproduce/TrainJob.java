package org.staged.reproduce;

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
import org.staged.eval.data.TrainingText;
import org.staged.eval.text.Tokenizer;
import org.staged.eval.text.Tokenizers;
import org.staged.models.AdamConfig;
import org.staged.models.GptInit;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.CheckpointException;
import org.staged.models.train.TrainConfig;
import org.staged.models.train.Trainer;

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
 * @param lr              peak learning rate
 * @param dropout         dropout on embeddings and residual branches during training
 * @param attnDropout     dropout on the attention probabilities during training
 * @param warmup          warmup steps
 * @param evalEvery       steps between validation evaluations
 * @param evalBatches     validation batches per evaluation
 * @param checkpointEvery steps between checkpoints
 * @param seed            seed of initialisation, data split and order (and of the dropout masks)
 * @param out             run directory
 * @param init            checkpoint to start from instead of a fresh model (e.g. a grown one), or null; its
 *                        schedule, position and cumulative tokens and FLOPs carry over
 */
public record TrainJob(String preset, Shape shape, Path dataDir, List<String> sources, long maxChars, double valFraction,
                       String tokenizer, long steps, int batch, double lr, double dropout, double attnDropout,
                       long warmup, int evalEvery,
                       int evalBatches, int checkpointEvery, long seed, Path out, Path init) {
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
            ModelConfig w = dModel == null && nHead == null ? c
                    : c.withWidth(dModel != null ? dModel : c.dModel(), nHead != null ? nHead : c.nHead(),
                    4 * (dModel != null ? dModel : c.dModel()));
            ModelConfig l = nLayer == null ? w : w.withLayers(nLayer);
            return context == null ? l : l.withContextLength(context);
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
        DataDir dir = DataDir.resolve(dataDir);   // fail before writing anything
        ModelConfig base = shape.applyTo(ModelConfig.preset(preset));
        TrainConfig tc = new TrainConfig(batch, steps, evalEvery, evalBatches, checkpointEvery, seed, dropout,
                attnDropout);
        checkOptions();
        TrainingText text = TrainingText.load(dir, sources, maxChars, valFraction, seed);
        if (init != null) {
            inheritTokenizer();
        }
        Tokenizer tok = Tokenizers.create(tokenizer, text::train, out);
        ModelConfig cfg = base.withVocabSize(tok.vocabSize());
        int[] train = tok.encode(text.train());
        int[] val = tok.encode(text.val());
        Trainer trainer = new Trainer(tc, AdamConfig.defaults(), train, val, out, progress);
        if (Trainer.canResume(out)) {
            return trainer.resume();
        }
        if (init != null) {
            Checkpoint.Loaded start = Checkpoint.load(init);
            ModelConfig c = start.state().config();
            if (c.vocabSize() != tok.vocabSize()) {
                throw new IllegalArgumentException(init + " has vocabulary " + c.vocabSize() + " but tokenizer "
                        + tok.name() + " has " + tok.vocabSize() + "; pass the --tokenizer the checkpoint was trained with");
            }
            return trainer.run(start.state(), start.extra().path("tokens").asLong(0),
                    start.extra().path("flops").asDouble(0));
        }
        LrSchedule schedule = new LrSchedule(lr, warmup, steps, LrSchedule.Decay.COSINE, 0.1);
        TrainingState fresh = TrainingState.fresh(cfg, GptInit.init(cfg, seed, DataType.FLOAT), schedule);
        return trainer.run(fresh, 0, 0);
    }

    /** Writes run.json, or checks that an existing one matches these options. */
    private void checkOptions() {
        try {
            Files.createDirectories(out);
            Path f = out.resolve(OPTIONS);
            String mine = JSON.writeValueAsString(JSON.valueToTree(withoutPaths()));
            if (Files.exists(f)) {
                String theirs = Files.readString(f);
                if (!JSON.readTree(theirs).equals(JSON.readTree(mine))) {
                    throw new IllegalArgumentException(f + " was written with other options; resume with the same "
                            + "options or use another --out directory.\n  saved: " + JSON.readTree(theirs)
                            + "\n  now:   " + JSON.readTree(mine));
                }
                return;
            }
            AtomicFiles.writeString(f, mine);
        } catch (IOException e) {
            throw new CheckpointException(out + ": cannot write " + OPTIONS + ": " + e.getMessage(), e);
        }
    }

    private TrainJob withoutPaths() {
        return new TrainJob(preset, shape, null, sources, maxChars, valFraction, tokenizer, steps, batch, lr, dropout, attnDropout,
                warmup,
                evalEvery, evalBatches, checkpointEvery, seed, null, init);
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
