package org.staged.models;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.staged.api.TrainingState;

/**
 * One Adam update of a {@link PackedState} (paper Eq. 4), in the form of the authors' (Hugging Face) AdamW:
 * m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − λ(t)·c·m/(√v + ε) − λ(t)·wd·θ, with
 * c = √(1−β2^t)/(1−β1^t) when bias correction is on and 1 otherwise; t counts updates from 1.
 */
public final class Adam {
    private Adam() {
    }

    /**
     * Clips gradients to the global norm, updates m, v and θ in place and advances the state's counters.
     *
     * @param p   packed state with its gradients filled; gradients are scaled in place when clipped
     * @param cfg hyper-parameters
     * @return the global gradient norm before clipping
     */
    public static double step(PackedState p, AdamConfig cfg) {
        TrainingState state = p.state();
        double norm = p.grad.norm2Number().doubleValue();
        long t = state.step() + 1;
        double lr = state.lr();
        double c = cfg.biasCorrection()
                ? Math.sqrt(1 - Math.pow(cfg.beta2(), t)) / (1 - Math.pow(cfg.beta1(), t)) : 1.0;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace("adam")) {
            INDArray g = p.grad;
            if (cfg.clipNorm() > 0 && norm > cfg.clipNorm()) {
                g.muli(cfg.clipNorm() / norm);
            }
            // in place or one temporary at a time: the buffers are as large as the model
            Nd4j.getBlasWrapper().axpy(1 - cfg.beta1(), g, p.m.muli(cfg.beta1()));
            Nd4j.getBlasWrapper().axpy(1 - cfg.beta2(), g.mul(g), p.v.muli(cfg.beta2()));
            INDArray update = Transforms.sqrt(p.v, true).addi(cfg.eps()).rdivi(p.m);   // m / (√v + ε)
            Nd4j.getBlasWrapper().axpy(-lr * c, update, p.theta);
            if (cfg.weightDecay() > 0) {
                Nd4j.getBlasWrapper().axpy(-lr * cfg.weightDecay(), p.theta.mul(p.decay), p.theta);
            }
        }
        state.advance();
        return norm;
    }
}
