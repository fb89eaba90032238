package org.staged.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.models.hf.HfGpt2;
import org.staged.models.train.Checkpoint;

/** A checkpoint argument: a training-state file of the suite's own, or {@code hf:DIR}, a Hugging Face GPT-2 folder. */
final class CheckpointInput {
    /** Key of the checkpoint's extra JSON that names the imported folder. */
    static final String IMPORTED_FROM = "imported_from";

    private CheckpointInput() {
    }

    /** @return whether {@code ref} is {@code hf:DIR} */
    static boolean isHf(Path ref) {
        return HfGpt2.folder(ref) != null;
    }

    /**
     * Loads {@code ref}. An imported folder without {@value HfGpt2#OPTIMIZER} has no optimizer state: its moments
     * are zero, its step 0, and its schedule the one {@code schedule} makes for its shape, which {@code status}
     * is told along with the configuration keys the import did not know.
     *
     * @param ref      a checkpoint file or {@code hf:DIR}
     * @param schedule the schedule of an imported model, given its shape (from the command's flags)
     * @param from     the flags that made that schedule, for the message
     * @param status   receives what the import did
     * @return the state and the extra JSON
     */
    static Checkpoint.Loaded load(Path ref, Function<ModelConfig, LrSchedule> schedule, String from,
                                  Consumer<String> status) {
        Path dir = HfGpt2.folder(ref);
        if (dir == null) {
            return Checkpoint.load(ref);
        }
        ModelConfig c = HfGpt2.readConfig(dir, new java.util.ArrayList<>());
        HfGpt2.Imported imp = HfGpt2.load(dir, schedule.apply(c));
        imp.warnings().forEach(w -> status.accept("warning: " + w));
        TrainingState s = imp.state();
        status.accept(String.format(Locale.ROOT, "imported %s: GPT-2 with d %d, %d layers, %d heads, context %d, "
                        + "vocabulary %d (%,d parameters)%s", ref, c.dModel(), c.nLayer(), c.nHead(), c.contextLength(),
                c.vocabSize(), c.totalParams(), imp.withOptimizer()
                        ? String.format(Locale.ROOT, "; Adam moments, step %d and schedule from %s", s.step(),
                        HfGpt2.OPTIMIZER)
                        : "; a pretrained checkpoint has no optimizer state: Adam's moments are 0, the step 0, and the "
                        + "LR schedule comes from " + from));
        ObjectNode extra = new ObjectMapper().createObjectNode();
        extra.put(IMPORTED_FROM, dir.toString());
        return new Checkpoint.Loaded(s, extra);
    }
}
