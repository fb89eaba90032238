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
 * Feed-forward widening by weight sharing (Gu et al. 2021), as the paper compares it (§6.3, §7): only d_ff
 * doubles; the up-projection's columns and the down-projection's rows are duplicated, so every hidden unit
 * appears twice and the MLP's output doubles. Optimizer reset, learning rate restarted. Not loss-preserving.
 */
public class FfnShare implements GrowthOperator {
    @Override
    public String name() {
        return "ffn-share";
    }

    @Override
    public GrowthClaims claims() {
        return new GrowthClaims("x2 feed-forward width by duplicating hidden units, optimizer reset, "
                + "LR restart (Gu et al. 2021)", false, false, ScheduleContinuation.RESTART);
    }

    @Override
    public ModelConfig grownConfig(ModelConfig c) {
        return c.withWidth(c.dModel(), c.nHead(), 2 * c.dFf());
    }

    @Override
    public TrainingState apply(TrainingState s) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        s.params().forEach((name, a) -> {
            if (name.endsWith("mlp.c_fc.weight")) {
                p.put(name, Tensors.duplicateColumns(a, 1));
            } else if (name.endsWith("mlp.c_fc.bias")) {
                p.put(name, Tensors.duplicate(a, 1));
            } else if (name.endsWith("mlp.c_proj.weight")) {
                p.put(name, Tensors.duplicateRows(a, 1));
            } else {
                p.put(name, a.dup());
            }
        });
        return new TrainingState(grownConfig(s.config()), p, TrainingState.zerosLike(p), TrainingState.zerosLike(p),
                0, s.schedule(), s.scheduleStep());
    }
}
