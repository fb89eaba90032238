package org.staged.models;

import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.staged.api.TrainingState;

/**
 * One Adam update of a {@link TrainingState} (paper Eq. 4), in the form of the authors' (Hugging Face) AdamW:
 * m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − λ(t)·c·m/(√v + ε) − λ(t)·wd·θ, with
 * c = √(1−β2^t)/(1−β1^t) when bias correction is on and 1 otherwise; t counts updates from 1.
 */
public final class Adam {
    private Adam() {
    }

    /**
     * Clips gradients to the global norm, updates m, v and θ in place and advances the state's counters.
     *
     * @param state training state, updated in place
     * @param grads gradients by parameter name; scaled in place when clipped
     * @param cfg   hyper-parameters
     * @return the global gradient norm before clipping
     */
    public static double step(TrainingState state, Map<String, INDArray> grads, AdamConfig cfg) {
        double norm = globalNorm(grads);
        double clip = cfg.clipNorm() > 0 && norm > cfg.clipNorm() ? cfg.clipNorm() / norm : 1.0;
        long t = state.step() + 1;
        double lr = state.lr();
        double c = cfg.biasCorrection()
                ? Math.sqrt(1 - Math.pow(cfg.beta2(), t)) / (1 - Math.pow(cfg.beta1(), t)) : 1.0;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace("adam")) {
            for (Map.Entry<String, INDArray> e : state.params().entrySet()) {
                String name = e.getKey();
                INDArray theta = e.getValue();
                INDArray g = grads.get(name);
                if (clip != 1.0) {
                    g.muli(clip);
                }
                INDArray m = state.adamM().get(name);
                INDArray v = state.adamV().get(name);
                m.muli(cfg.beta1()).addi(g.mul(1 - cfg.beta1()));
                v.muli(cfg.beta2()).addi(g.mul(g).muli(1 - cfg.beta2()));
                INDArray denom = Transforms.sqrt(v, true).addi(cfg.eps());
                theta.subi(m.div(denom).muli(lr * c));
                if (cfg.weightDecay() > 0 && theta.rank() >= 2) {
                    theta.muli(1 - lr * cfg.weightDecay());
                }
            }
        }
        state.advance();
        return norm;
    }

    /** @return √(Σ ‖g‖²) over all tensors, accumulated in double */
    public static double globalNorm(Map<String, INDArray> grads) {
        double sq = 0;
        for (INDArray g : grads.values()) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }
}
