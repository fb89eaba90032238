package com.example.growth;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthClaims;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.ScheduleContinuation;

/**
 * An example third-party operator: doubles the layers by appending L identity blocks after the last one
 * (rather than one after each block, as the suite's {@code depth} does). Identity blocks have LayerNorm
 * γ = β = 0, zero biases and identity matrices; their Adam moments start at zero.
 */
public final class AppendIdentityBlocks implements GrowthOperator {
    @Override
    public String name() {
        return "depth-append";
    }

    @Override
    public GrowthClaims claims() {
        return new GrowthClaims("x2 layers, identity blocks appended after the last block (example plugin)", true,
                true, GrowthClaims.Entries.DERIVED, ScheduleContinuation.GROWTH_TARGET);
    }

    @Override
    public ModelConfig grownConfig(ModelConfig c) {
        return c.withLayers(2 * c.nLayer());
    }

    @Override
    public TrainingState apply(TrainingState s) {
        ModelConfig grown = grownConfig(s.config());
        Map<String, INDArray> p = new LinkedHashMap<>();
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        grown.parameterShapes().forEach((name, shape) -> {
            if (s.params().containsKey(name)) {
                p.put(name, s.params().get(name).dup());
                m.put(name, s.adamM().get(name).dup());
                v.put(name, s.adamV().get(name).dup());
            } else {
                INDArray z = Nd4j.zeros(s.dataType(), shape);
                if (shape.length == 2) {
                    for (long i = 0; i < Math.min(shape[0], shape[1]); i++) {
                        z.putScalar(i, i, 1.0);
                    }
                }
                p.put(name, z);
                m.put(name, Nd4j.zeros(s.dataType(), shape));
                v.put(name, Nd4j.zeros(s.dataType(), shape));
            }
        });
        return new TrainingState(grown, p, m, v, s.step(), s.schedule(), s.scheduleStep());
    }
}
