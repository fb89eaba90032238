package org.staged.models;

/**
 * Adam hyper-parameters as in the authors' code: β1 0.9, β2 0.98, ε 1e-6, bias correction on; decoupled
 * weight decay on matrices only; gradient clipping by global norm (0 disables it).
 *
 * @param beta1          decay of the first moment m
 * @param beta2          decay of the second moment v
 * @param eps            added to √v
 * @param biasCorrection whether to correct m and v for their zero start
 * @param weightDecay    decoupled weight decay λ·θ per step, on tensors of rank ≥ 2
 * @param clipNorm       maximum global gradient norm; 0 for no clipping
 */
public record AdamConfig(double beta1, double beta2, double eps, boolean biasCorrection, double weightDecay,
                         double clipNorm) {

    /** Validates every field and names the offending one. */
    public AdamConfig {
        check(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), found " + beta1);
        check(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), found " + beta2);
        check(eps > 0, "eps must be > 0, found " + eps);
        check(weightDecay >= 0, "weightDecay must be >= 0, found " + weightDecay);
        check(clipNorm >= 0, "clipNorm must be >= 0, found " + clipNorm);
    }

    /** @return the authors' settings with clipping at 1.0 and weight decay 0.01 */
    public static AdamConfig defaults() {
        return new AdamConfig(0.9, 0.98, 1e-6, true, 0.01, 1.0);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("AdamConfig: " + message);
        }
    }
}
