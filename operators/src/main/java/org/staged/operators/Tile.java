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
 * Weight tiling (Gopher, Rae et al. 2021), as the paper compares it (§7): doubles d_model, heads and d_ff
 * by tiling every matrix [[W, W], [W, W]] and duplicating vectors and embeddings. Each output sums two
 * copies, so the function changes; optimizer reset, learning rate restarted. Not loss-preserving.
 */
public class Tile implements GrowthOperator {
    @Override
    public String name() {
        return "tile";
    }

    @Override
    public GrowthClaims claims() {
        return new GrowthClaims("x2 hidden size by tiling matrices [[W,W],[W,W]], optimizer reset, LR restart "
                + "(Rae et al. 2021)", false, false, ScheduleContinuation.RESTART);
    }

    /** The same shape as the paper's width operator. */
    @Override
    public ModelConfig grownConfig(ModelConfig c) {
        return new WidthGrowth().grownConfig(c);
    }

    @Override
    public TrainingState apply(TrainingState s) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        s.params().forEach((name, a) -> {
            if (name.equals("wte.weight") || name.equals("wpe.weight")) {
                p.put(name, Tensors.duplicateColumns(a, 1));
            } else if (name.equals("lm_head.weight")) {
                p.put(name, Tensors.duplicateRows(a, 1));
            } else {
                p.put(name, a.rank() == 2 ? Tensors.tile(a) : Tensors.duplicate(a, 1));
            }
        });
        return new TrainingState(grownConfig(s.config()), p, TrainingState.zerosLike(p), TrainingState.zerosLike(p),
                0, s.schedule(), s.scheduleStep());
    }
}
