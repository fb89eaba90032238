package org.staged.models;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.ModelConfig;

/**
 * GPT-2 initialisation: weights ~ N(0, 0.02), residual output projections ~ N(0, 0.02/√(2L)) (GPT-2 paper),
 * biases 0, LayerNorm γ = 1 and β = 0. Each tensor draws from its own stream seeded by (seed, name), so
 * values do not depend on the order or number of other tensors.
 */
public final class GptInit {
    /** Standard deviation of GPT-2's weight initialisation. */
    public static final double STD = 0.02;

    private GptInit() {
    }

    /**
     * Fresh parameters for {@code config}.
     *
     * @param config model shape
     * @param seed   master seed
     * @param dtype  FLOAT for training, DOUBLE for gradient checks
     * @return parameters by name, in {@link ModelConfig#parameterShapes()} order
     */
    public static Map<String, INDArray> init(ModelConfig config, long seed, DataType dtype) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        double residualStd = STD / Math.sqrt(2.0 * config.nLayer());
        for (Map.Entry<String, long[]> e : config.parameterShapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            INDArray a;
            if (name.contains("ln_") && name.endsWith(".weight")) {
                a = Nd4j.ones(dtype, shape);
            } else if (name.endsWith(".bias")) {
                a = Nd4j.zeros(dtype, shape);
            } else {
                a = gaussian(shape, name.endsWith("c_proj.weight") ? residualStd : STD, stream(seed, name), dtype);
            }
            p.put(name, a);
        }
        return p;
    }

    /** A random stream for one named component, derived from the master seed. */
    public static SplittableRandom stream(long seed, String name) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
    }

    /** A tensor of N(0, std²) draws from {@code rng}. */
    public static INDArray gaussian(long[] shape, double std, SplittableRandom rng, DataType dtype) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = std * rng.nextGaussian();
        }
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dtype);
    }
}
