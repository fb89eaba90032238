package org.staged.reproduce.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.staged.api.ModelConfig;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.TokenShards;
import org.staged.eval.text.Tokenizers;
import org.staged.models.train.MicroBatch;
import org.staged.reproduce.preset.Preset;

/**
 * What a preset will do, printed before its first run: tokens to train, the data they come from, memory per
 * device and micro-batch of the largest model, and the time it takes at the preset's stated tokens/s.
 */
final class PresetPlan {
    private PresetPlan() {
    }

    /**
     * @param preset     the preset
     * @param microBatch the micro-batch the runs will use for a model
     * @param data       the data directory
     * @return the plan, one line each
     */
    static List<String> lines(Preset preset, Function<ModelConfig, MicroBatch> microBatch, DataDir data) {
        List<String> out = new ArrayList<>();
        Preset.Training t = preset.training();
        long corpus = -1;
        if (preset.data().shards() != null) {
            TokenShards s = TokenShards.open(data.root().resolve(preset.data().shards()),
                    Tokenizers.vocabSize(preset.data().tokenizer()));
            corpus = s.trainTokens();
            out.add(String.format(Locale.ROOT, "plan: training data %s: %,d tokens in %d shard(s), streamed",
                    s.dir(), corpus, s.trainShards().size()));
        } else {
            out.add(String.format(Locale.ROOT, "plan: training data %s: %,d characters read into memory",
                    String.join(", ", preset.data().sources()), preset.data().maxChars()));
        }
        // every run trains at most the target's steps; originals and ablations a fraction of them
        double runsOfTarget = 1 + preset.runs().size() * (1 + preset.original())
                + preset.ablations().size() * preset.ablationSteps();
        for (Preset.Target target : preset.targets()) {
            ModelConfig cfg = target.config().withVocabSize(Tokenizers.vocabSize(preset.data().tokenizer()));
            long baseline = target.steps() * t.batch() * (long) cfg.contextLength();
            double all = runsOfTarget * baseline * preset.seeds().size();
            out.add(String.format(Locale.ROOT, "plan: target %s (%s, %.1fM non-embedding parameters): %,d steps × %d "
                            + "× %d = %,d tokens for the baseline; at most %.3g tokens over its %d seed(s) and every run",
                    target.name(), target.model(), cfg.nonEmbeddingParams() / 1e6, target.steps(), t.batch(),
                    cfg.contextLength(), baseline, all, preset.seeds().size()));
            if (corpus >= 0 && corpus < baseline) {
                out.add(String.format(Locale.ROOT, "plan: the baseline reads the corpus %.1f times (epochs)",
                        (double) baseline / corpus));
            } else if (corpus >= 0) {
                out.add(String.format(Locale.ROOT, "plan: no token is read twice by one run (%.0f%% of the corpus)",
                        100.0 * baseline / corpus));
            }
            out.add("plan: " + target.name() + " " + microBatch.apply(cfg).describe());
            if (t.tokensPerS() > 0) {
                out.add(String.format(Locale.ROOT, "plan: at the stated %,.0f tokens/s (plan.tokens_per_s): the "
                                + "baseline in %.1f h, every run at most %.1f h", t.tokensPerS(),
                        baseline / t.tokensPerS() / 3600, all / t.tokensPerS() / 3600));
            }
        }
        return out;
    }
}
