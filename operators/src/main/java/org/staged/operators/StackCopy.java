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
 * Progressive stacking (Gong et al. 2019), as the paper compares it (§6.3, §7): a 2L-layer model whose
 * block i + L is a copy of block i, the optimizer state reset, the learning rate kept. The copied blocks
 * change the function, so the loss is not preserved.
 */
public class StackCopy implements GrowthOperator {
    @Override
    public String name() {
        return "stack-copy";
    }

    @Override
    public GrowthClaims claims() {
        return new GrowthClaims("x2 layers, block i copied to block i+L, optimizer reset (Gong et al. 2019)",
                false, false, ScheduleContinuation.KEEP);
    }

    @Override
    public ModelConfig grownConfig(ModelConfig c) {
        return c.withLayers(2 * c.nLayer());
    }

    @Override
    public TrainingState apply(TrainingState s) {
        ModelConfig grown = grownConfig(s.config());
        int layers = s.config().nLayer();
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (String name : grown.parameterShapes().keySet()) {
            int layer = DepthGrowth.layerOf(name);
            String from = layer < 0 ? name : DepthGrowth.rename(name, layer % layers);
            p.put(name, s.params().get(from).dup());
        }
        return new TrainingState(grown, p, TrainingState.zerosLike(p), TrainingState.zerosLike(p), 0, s.schedule(),
                s.scheduleStep());
    }
}
