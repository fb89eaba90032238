package org.staged.operators;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthClaims;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.ScheduleContinuation;

/**
 * The paper's width operator (§3.1, §3.3): doubles d_model, the heads (head size unchanged) and d_ff,
 * about 4× the parameters.
 *
 * <ul>
 *   <li>embeddings, LayerNorms and biases are duplicated, [w, w];</li>
 *   <li>every matrix, q, k and v each on its own, becomes [[W, 0], [0, W]], so the new heads are copies;</li>
 *   <li>the final LayerNorm's γ and β are halved, so the tied head (or the untied head, duplicated by
 *       rows) produces unchanged logits from the doubled hidden state.</li>
 * </ul>
 * Adam moments follow the gradients of the grown model (Eq. 5–6): duplicated entries see half the
 * gradient, so m/2 and v/4; the final LayerNorm sees the same gradient, so its moments are copied unscaled;
 * the zero blocks are new parameters with m = v = 0. The step counter is kept.
 *
 * <p>The grown state is symmetric under swapping the two halves, and so are its gradients: without
 * something that treats the halves differently (the authors' GPT-2 trained with dropout; this model has
 * none), both halves receive identical updates and the grown model keeps computing a function of the
 * original width. Measured here: after 300 further steps of a width-grown {@code tiny} model, the halves
 * of every tensor still agreed to 2e-6 relative.
 */
public class WidthGrowth implements GrowthOperator {
    @Override
    public String name() {
        return "width";
    }

    @Override
    public GrowthClaims claims() {
        return new GrowthClaims("x2 hidden size and heads; block-diagonal matrices, duplicated vectors, "
                + "halved final LayerNorm; Adam m/2, v/4 (Shen et al. 2022, 3.1)", true, true,
                ScheduleContinuation.GROWTH_TARGET);
    }

    @Override
    public ModelConfig grownConfig(ModelConfig c) {
        return c.withWidth(2 * c.dModel(), 2 * c.nHead(), 2 * c.dFf());
    }

    @Override
    public TrainingState apply(TrainingState s) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        for (String name : s.params().keySet()) {
            INDArray theta = s.params().get(name);
            INDArray m0 = s.adamM().get(name);
            INDArray v0 = s.adamV().get(name);
            if (name.startsWith("ln_f.")) {
                p.put(name, Tensors.duplicate(theta, 0.5));         // halved: logits unchanged
                m.put(name, Tensors.duplicate(m0, 1));              // same gradient as before: unscaled
                v.put(name, Tensors.duplicate(v0, 1));
            } else {
                p.put(name, grow(name, theta, 1));
                m.put(name, grow(name, m0, 0.5));
                v.put(name, grow(name, v0, 0.25));
            }
        }
        return new TrainingState(grownConfig(s.config()), p, m, v, s.step(), s.schedule(), s.scheduleStep());
    }

    /** The structural map of one tensor, shared by θ, m and v, times {@code scale}. */
    static INDArray grow(String name, INDArray a, double scale) {
        if (name.equals("wte.weight") || name.equals("wpe.weight")) {
            return Tensors.duplicateColumns(a, scale);
        }
        if (name.equals("lm_head.weight")) {
            return Tensors.duplicateRows(a, scale);
        }
        return a.rank() == 2 ? Tensors.blockDiagonal(a, scale) : Tensors.duplicate(a, scale);
    }
}
