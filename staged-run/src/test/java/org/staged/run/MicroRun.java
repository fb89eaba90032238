package org.staged.run;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthOperators;
import org.staged.models.AdamConfig;
import org.staged.models.GptInit;
import org.staged.models.train.TrainConfig;
import org.staged.schedule.PracticalConstants;

/** A staged run of micro models on a generated stream; {@link #main} runs one in a child JVM. */
final class MicroRun {
    static final ModelConfig TARGET = ModelConfig.preset("micro").withContextLength(16).withWidth(16, 2, 64);
    static final GrowthOperators OPS = GrowthOperators.discover();
    static final LrSchedule SCHEDULE = LrSchedule.cosine(3e-3, 30, 240);

    private MicroRun() {
    }

    /** A learnable stream: a noisy repeating pattern over the micro vocabulary. */
    static int[] stream(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rng.nextInt(6) == 0 ? rng.nextInt(TARGET.vocabSize()) : (i * 7 + i / 13) % TARGET.vocabSize();
        }
        return t;
    }

    static PracticalConstants constants(double tauGrowth, double tauOpt) {
        return new PracticalConstants(tauOpt, Map.of("width", tauGrowth, "depth", tauGrowth),
                Map.of("width", 0.55, "depth", 0.7));
    }

    static StagedRun run(Path dir, String stages, PracticalConstants c, Budget budget) {
        Plan plan = Plan.of(OPS, TARGET, stages, c, "test");
        return new StagedRun(plan, SCHEDULE, new TrainConfig(4, 1, 2, 2, 4, 42, 0.1, 0.1), AdamConfig.defaults(),
                stream(6000, 1), stream(800, 2), dir, false, OPS).budget(budget);
    }

    static TrainingState original(ModelConfig c) {
        return TrainingState.fresh(c, GptInit.init(c, 5, DataType.FLOAT), SCHEDULE);
    }

    /** The run the resume test kills: {@code DIR} (halt point via -Dstaged.run.haltAt). */
    public static void main(String[] args) {
        StagedRun r = run(Path.of(args[0]), "width; depth", constants(Double.parseDouble(args[1]), Double.NaN),
                new Budget(Long.parseLong(args[2]), null, null));
        r.run(() -> original(Plan.of(OPS, TARGET, "width; depth", constants(-0.1, -0.1), "test").shapes().get(0)));
    }
}
