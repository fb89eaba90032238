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
 * The paper's depth operator (§3.2): doubles the layers by inserting an identity block after each block,
 * (φ0, φid, φ1, φid, …). In the identity block both LayerNorms have γ = β = 0 and all biases are 0, so
 * LN(x) = 0 and both sublayers add nothing.
 *
 * <p>Its matrices are identity matrices (ones on the diagonal), as in the authors' code: with zero matrices
 * as well, no gradient would ever reach the block (γ's gradient flows through the value and projection
 * matrices), so it would stay an identity forever. Original blocks keep their Adam moments; the new blocks
 * start with m = v = 0 (§3.3), although their output biases and LayerNorm γ do receive a gradient at once
 * (the identity matrices pass it through), so Eq. 5–6 hold on the derived entries only. The step counter is
 * kept.
 */
public class DepthGrowth implements GrowthOperator {
    @Override
    public String name() {
        return "depth";
    }

    @Override
    public GrowthClaims claims() {
        return new GrowthClaims("x2 layers; an identity block (LayerNorm 0, biases 0, identity matrices) after "
                + "each block; new blocks m = v = 0 (Shen et al. 2022, 3.2)", true, true, GrowthClaims.Entries.DERIVED,
                ScheduleContinuation.GROWTH_TARGET);
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
        for (String name : grown.parameterShapes().keySet()) {
            int layer = layerOf(name);
            if (layer < 0 || layer % 2 == 0) {               // embeddings, ln_f, head, and original blocks
                String from = layer < 0 ? name : rename(name, layer / 2);
                p.put(name, s.params().get(from).dup());
                m.put(name, s.adamM().get(from).dup());
                v.put(name, s.adamV().get(from).dup());
            } else {                                         // identity block after original block layer/2
                INDArray like = s.params().get(rename(name, layer / 2));
                p.put(name, like.rank() == 2 ? Tensors.identity(like) : Tensors.zeros(like));
                m.put(name, Tensors.zeros(like));
                v.put(name, Tensors.zeros(like));
            }
        }
        return new TrainingState(grown, p, m, v, s.step(), s.schedule(), s.scheduleStep());
    }

    /** @return the block index of {@code h.i.…}, or -1 for other tensors */
    static int layerOf(String name) {
        if (!name.startsWith("h.")) {
            return -1;
        }
        return Integer.parseInt(name.substring(2, name.indexOf('.', 2)));
    }

    /** @return {@code name} moved to block {@code layer} */
    static String rename(String name, int layer) {
        return "h." + layer + name.substring(name.indexOf('.', 2));
    }
}
