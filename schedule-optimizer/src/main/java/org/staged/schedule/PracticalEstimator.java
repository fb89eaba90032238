package org.staged.schedule;

import org.hipparchus.analysis.solvers.BrentSolver;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.univariate.BrentOptimizer;
import org.hipparchus.optim.univariate.SearchInterval;
import org.hipparchus.optim.univariate.UnivariateObjectiveFunction;

/**
 * Estimates the practical schedule's constants (§5, Eq. 8–9) from the loss curves of an original model and a
 * target model (the paper picked the points by hand and left automating it to future work):
 * <ul>
 *   <li>PRE-GROWTH: the loss L at which growing saves the most compute, maximising C_target(L) − C_orig(L),
 *       the compute the target would need to reach L minus what the original needed; τ_G is the original
 *       curve's slope there;</li>
 *   <li>GROWTH-TARGET: the target curve's point at the same loss; ρ = S_GROWTH-TARGET / S_PRE-GROWTH;</li>
 *   <li>OPTIMALITY: where the target curve touches the compute-efficient frontier, estimated as the common
 *       tangent of the two curves in log-log (for curves that are shifted copies of each other, as Kaplan's law
 *       gives, the frontier is that tangent); τ_opt is its slope.</li>
 * </ul>
 * Slopes are d log L / d log C, as in Figure 6.
 */
public final class PracticalEstimator {
    private PracticalEstimator() {
    }

    /** A point on a loss curve. */
    public record Point(double steps, double compute, double loss) {
    }

    /** The three points and the constants derived from them. */
    public record Estimate(Point preGrowth, Point growthTarget, Point optimality, double tauGrowth, double tauOpt,
                           double rho, double computeSaved) {
    }

    /**
     * @param original the smaller model's fitted curve
     * @param target   the larger model's fitted curve
     * @param lossLow  lowest loss both logs reach (the search stays inside the logged range)
     * @param lossHigh highest loss both logs cover
     * @return the estimate
     * @throws IllegalArgumentException when growing never saves compute in the range, or the curves have no
     *                                  common tangent
     */
    public static Estimate estimate(LossCurveFit original, LossCurveFit target, double lossLow, double lossHigh) {
        double lStar = largestSaving(original, target, lossLow, lossHigh);
        double saved = saving(original, target, lStar);
        double cPre = original.computeAt(lStar);
        double cTarget = target.computeAt(lStar);
        Point pre = new Point(original.stepsAt(cPre), cPre, lStar);
        Point growthTarget = new Point(target.stepsAt(cTarget), cTarget, lStar);
        double tauOpt = commonTangentSlope(original, target);
        double cOpt = target.computeAtSlope(tauOpt);
        Point opt = new Point(target.stepsAt(cOpt), cOpt, target.loss(cOpt));
        return new Estimate(pre, growthTarget, opt, original.slope(cPre), tauOpt, growthTarget.steps() / pre.steps(),
                saved);
    }

    /**
     * PRE-GROWTH alone: the loss at which growing from the original onto the target saves the most compute.
     *
     * @param original the smaller model's fitted curve
     * @param target   the larger model's fitted curve
     * @param lossLow  lowest loss both logs reach
     * @param lossHigh highest loss both logs cover
     * @return the loss L maximising C_target(L) − C_orig(L)
     * @throws IllegalArgumentException when growing never saves compute in the range
     */
    public static double largestSaving(LossCurveFit original, LossCurveFit target, double lossLow, double lossHigh) {
        double lo = Math.max(lossLow, Math.max(original.e(), target.e()) + 1e-9);
        double hi = lossHigh;
        if (!(hi > lo)) {
            throw new IllegalArgumentException("the two curves share no loss range (" + lossLow + " to " + lossHigh + ")");
        }
        double lStar = new BrentOptimizer(1e-12, 1e-14).optimize(new MaxEval(10_000), GoalType.MAXIMIZE,
                new SearchInterval(lo, hi), new UnivariateObjectiveFunction(l -> saving(original, target, l))).getPoint();
        if (!(saving(original, target, lStar) > 0)) {
            throw new IllegalArgumentException("growing saves no compute anywhere between losses " + lo + " and " + hi
                    + ": the target curve is never behind the original one");
        }
        return lStar;
    }

    private static double saving(LossCurveFit original, LossCurveFit target, double loss) {
        return target.computeAt(loss) - original.computeAt(loss);
    }

    /** σ at which the tangent to the original at its slope-σ point passes through the target's slope-σ point. */
    private static double commonTangentSlope(LossCurveFit o, LossCurveFit t) {
        double lo = -Math.min(o.alpha(), t.alpha()) * (1 - 1e-9);
        double hi = -1e-9;
        double fLo = gap(o, t, lo);
        double fHi = gap(o, t, hi);
        if (!(fLo * fHi <= 0)) {   // same sign, or a curve undefined there (NaN)
            throw new IllegalArgumentException("the two loss curves have no common tangent: OPTIMALITY cannot be "
                    + "estimated from them");
        }
        return new BrentSolver(1e-14, 1e-14).solve(10_000, sigma -> gap(o, t, sigma), lo, hi);
    }

    private static double gap(LossCurveFit o, LossCurveFit t, double sigma) {
        double co = o.computeAtSlope(sigma);
        double ct = t.computeAtSlope(sigma);
        return Math.log(t.loss(ct)) - Math.log(o.loss(co)) - sigma * (Math.log(ct) - Math.log(co));
    }
}
