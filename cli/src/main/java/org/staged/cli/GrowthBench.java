package org.staged.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.models.Bench;

/** Times one growth of a whole training state (θ, m, v in float32) into a target preset. */
final class GrowthBench {
    private GrowthBench() {
    }

    /**
     * @param op     the operator
     * @param target the preset to grow into
     * @return a {@code BENCH grow=…} line
     */
    static String run(GrowthOperator op, ModelConfig target) {
        ModelConfig source = List.of(target.withWidth(target.dModel() / 2, target.nHead() / 2, target.dFf() / 2),
                        target.withLayers(Math.max(1, target.nLayer() / 2)), target).stream()
                .filter(c -> op.whyNotApplicable(c).isEmpty() && op.grownConfig(c).equals(target)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(op.name() + " grows no halved " + target
                        + " into it"));
        TrainingState s = randomState(source);
        long t0 = System.nanoTime();
        TrainingState g = GrowthOperators.applyChecked(op, s);
        double sec = (System.nanoTime() - t0) / 1e9;
        double bytes = 3.0 * 4 * g.config().totalParams();
        return String.format(Locale.ROOT, "BENCH grow=%s from_params=%d to_params=%d seconds=%.2f written_gb_per_s=%.2f "
                        + "peak_rss_mb=%d", op.name(), source.totalParams(), g.config().totalParams(), sec,
                bytes / sec / 1e9, Bench.peakRssMb());
    }

    /** @return a whole training state of {@code cfg} with uniform random θ, m and v in float32 */
    static TrainingState randomState(ModelConfig cfg) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        cfg.parameterShapes().forEach((k, sh) -> {
            p.put(k, Nd4j.rand(DataType.FLOAT, sh));
            m.put(k, Nd4j.rand(DataType.FLOAT, sh));
            v.put(k, Nd4j.rand(DataType.FLOAT, sh));
        });
        return new TrainingState(cfg, p, m, v, 1000, LrSchedule.cosine(1e-3, 10, 10000), 1000);
    }
}
