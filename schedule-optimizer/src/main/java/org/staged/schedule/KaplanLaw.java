package org.staged.schedule;

/**
 * Kaplan et al. (2020) Eq. 5.6 with their Table 5 constants, as the paper's Appendix C uses it:
 * L(N, S) = (N_c/N)^α_N + (S_c/S_min)^α_S with N the non-embedding parameters and S_min = S/2, since
 * training runs at the critical batch size B_crit(L) = B* / L^(1/α_B), evaluated at the target loss and held
 * for every stage. Compute is C = 6·N·B·S.
 *
 * @param nc     N_c
 * @param alphaN α_N
 * @param sc     S_c
 * @param alphaS α_S
 * @param bStar  B* in tokens
 * @param alphaB α_B
 */
public record KaplanLaw(double nc, double alphaN, double sc, double alphaS, double bStar, double alphaB)
        implements ScalingLaw {

    /** Table 5 of Kaplan et al. (2020). */
    public static final KaplanLaw TABLE_5 = new KaplanLaw(8.8e13, 0.076, 2.1e3, 0.76, 2.1e8, 0.21);

    @Override
    public String name() {
        return "kaplan";
    }

    @Override
    public double floor(double n) {
        return Math.pow(nc / n, alphaN);
    }

    @Override
    public double loss(double n, double steps) {
        return floor(n) + Math.pow(sc / (steps / 2), alphaS);
    }

    @Override
    public double progressToReach(double n, double loss) {
        double excess = loss - floor(n);
        return excess <= 0 ? Double.POSITIVE_INFINITY : 2 * sc / Math.pow(excess, 1 / alphaS);
    }

    /** P = 2·S_c·(L − floor)^(−1/α_S), so ∂P/∂L = −P/(α_S·(L − floor)). */
    @Override
    public double progressSlope(double n, double loss) {
        double excess = loss - floor(n);
        return -progressToReach(n, loss) / (alphaS * excess);
    }

    /** floor = (N_c/N)^α_N, so d floor/d ln N = −α_N·floor. */
    @Override
    public double floorSlope(double n) {
        return -alphaN * floor(n);
    }

    @Override
    public double flops(double n, double steps, double targetLoss) {
        return 6 * n * tokensPerUnit(targetLoss) * steps;
    }

    /** B_crit(L_target) = B* / L^(1/α_B) tokens per step. */
    @Override
    public double tokensPerUnit(double targetLoss) {
        return bStar / Math.pow(targetLoss, 1 / alphaB);
    }
}
