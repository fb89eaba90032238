package org.staged.reproduce.pipeline;

import java.nio.file.Path;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.eval.text.Tokenizer;
import org.staged.models.train.TrainingData;
import org.staged.reproduce.preset.Preset;

/**
 * Everything the runs of one target and seed share.
 *
 * @param target   the GROWTH-TARGET model and its steps
 * @param seed     the seed of initialisation, data split and order
 * @param dir      the seed's folder
 * @param train    training corpus (in memory, or token shards streamed from disk)
 * @param val      validation tokens
 * @param config   the target's shape with the tokenizer's vocabulary
 * @param schedule the target's learning-rate schedule, which every run follows
 * @param tok      the tokenizer
 */
record SeedContext(Preset.Target target, long seed, Path dir, TrainingData train, int[] val, ModelConfig config,
                   LrSchedule schedule, Tokenizer tok) {
}
