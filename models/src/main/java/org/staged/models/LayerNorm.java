package org.staged.models;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * LayerNorm over the last dimension: y = γ ⊙ (x − μ)/√(σ² + ε) + β. ND4J's own op has no ε, hence this.
 * Rows are tokens: x is [N, C].
 */
final class LayerNorm {
    private LayerNorm() {
    }

    /** What backward needs: the normalised input and the reciprocal standard deviation of each row. */
    static final class Saved {
        final INDArray xhat; // [N, C] (x − μ)·rstd
        final INDArray rstd; // [N, 1]
        final INDArray out;  // [N, C] γ ⊙ xhat + β

        Saved(INDArray xhat, INDArray rstd, INDArray out) {
            this.xhat = xhat;
            this.rstd = rstd;
            this.out = out;
        }
    }

    /** Normalises x into {@code s.out}, filling {@code s.xhat} and {@code s.rstd}. */
    static void forward(INDArray x, INDArray gamma, INDArray beta, double eps, Saved s) {
        long c = x.size(1);
        INDArray mean = x.mean(true, 1);                                   // [N, 1]
        s.xhat.assign(x).subiColumnVector(mean);                           // x − μ
        INDArray var = s.xhat.norm2(true, 1);                              // √Σ(x−μ)²
        var.muli(var).divi(c);                                             // σ² (biased, as GPT-2)
        Transforms.pow(var.addi(eps), -0.5, false);                        // rstd = (σ² + ε)^-½
        s.rstd.assign(var);
        s.xhat.muliColumnVector(s.rstd);
        s.out.assign(s.xhat).muliRowVector(gamma).addiRowVector(beta);
    }

    /**
     * Backward of {@link #forward}: dγ += Σ dy⊙x̂, dβ += Σ dy, and dx += rstd·(d − mean(d) − x̂·mean(d⊙x̂)) with
     * d = dy⊙γ. Accumulates, because dx is a residual stream gradient and γ, β gradients start at zero.
     */
    static void backward(INDArray dy, Saved s, INDArray gamma, INDArray dx, INDArray dGamma, INDArray dBeta,
                         INDArray ones) {
        Gemm.addColumnSums(ones, dy.mul(s.xhat), dGamma);
        Gemm.addColumnSums(ones, dy, dBeta);
        INDArray d = dy.mulRowVector(gamma);                               // dL/dx̂ [N, C]
        INDArray meanD = d.mean(true, 1);                                  // [N, 1]
        INDArray meanDx = d.mul(s.xhat).mean(true, 1);                     // [N, 1]
        d.subiColumnVector(meanD).subi(s.xhat.mulColumnVector(meanDx)).muliColumnVector(s.rstd);
        dx.addi(d);
    }
}
