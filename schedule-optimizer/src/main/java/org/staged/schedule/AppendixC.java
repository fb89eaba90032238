package org.staged.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.hipparchus.analysis.solvers.BrentSolver;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.nonlinear.vector.constrained.TwiceDifferentiableFunction;
import org.hipparchus.optim.univariate.BrentOptimizer;
import org.hipparchus.optim.univariate.SearchInterval;
import org.hipparchus.optim.univariate.UnivariateObjectiveFunction;

/**
 * Appendix C's problem: minimise the total compute Σ_k C(N_k, P_k) of M stages subject to L_M = L_target,
 * N_k ≥ N_{k−1}, P_k ≥ 0, and optionally N_M pinned (or the ratios N_k/N_1 fixed).
 *
 * <p>It is posed over the losses at the end of every stage but the last, y = [L_1 … L_{M−1}]
 * ({@link Profile}): with the losses fixed, the progress of each stage follows in closed form,
 * P_k = P(N_k → L_k) − P(N_k → L_{k−1}), and the sizes are the solution of a separable problem in ln N under
 * the chain N_1 ≤ … ≤ N_M, solved exactly by pooling adjacent stages that violate it (each pool a
 * one-dimensional search). What remains has M−1 variables, linear constraints (losses decreasing to the
 * target) and, by the envelope theorem, an analytic gradient. How it is minimised is {@link NewtonSqp}'s
 * business, and which starts are tried the {@link ScheduleSolver}'s.
 */
public final class AppendixC {
    /** Sizes searched on ln N over this span above the smallest size that can reach a loss. */
    private static final double SPAN = 25;
    private static final int MAX_EVAL = 10_000;

    private final ScalingLaw law;
    private final double target;
    private final double nStar;
    private final double pStar;

    /**
     * @param law        the scaling law
     * @param targetLoss L_target, above the law's floor
     * @throws IllegalArgumentException when no model size reaches {@code targetLoss}
     */
    public AppendixC(ScalingLaw law, double targetLoss) {
        if (!(targetLoss > law.floor(1e30))) {
            throw new IllegalArgumentException("target loss " + targetLoss + " is at or below the " + law.name()
                    + " law's floor " + law.floor(1e30) + ": no model size reaches it");
        }
        this.law = law;
        this.target = targetLoss;
        double from = floorLnN(targetLoss) + 1e-9;
        this.nStar = Math.exp(argmin(this::singleCost, from, from + SPAN));
        this.pStar = law.progressToReach(nStar, targetLoss);
    }

    /** @return the scaling law */
    public ScalingLaw law() {
        return law;
    }

    /** @return L_target */
    public double target() {
        return target;
    }

    /** @return N of the compute-optimal single-stage run to the target loss */
    public double singleStageParams() {
        return nStar;
    }

    /** @return the compute of that run, FLOPs */
    public double singleStageFlops() {
        return law.flops(nStar, pStar, target);
    }

    /** @return P* of that run */
    double singleStageProgress() {
        return pStar;
    }

    /** @return whether a size can reach the target at all (its floor lies below it) */
    public boolean reaches(double n) {
        return law.floor(n) < target;
    }

    private double singleCost(double lnN) {
        double n = Math.exp(lnN);
        double p = law.progressToReach(n, target);
        return Double.isInfinite(p) ? Double.POSITIVE_INFINITY : Math.log(law.flops(n, p, target));
    }

    /** ln of the smallest size whose floor is below {@code loss}: the root of floor(N) = loss. */
    double floorLnN(double loss) {
        double lo = 0;
        double hi = Math.log(1e30);
        DoubleUnaryOperator gap = u -> law.floor(Math.exp(u)) - loss;
        if (gap.applyAsDouble(lo) < 0) {
            return lo;
        }
        return new BrentSolver(1e-14, 1e-12).solve(MAX_EVAL, gap::applyAsDouble, lo, hi);
    }

    /** The minimum of a function that grows without bound towards the lower end of [from, to]. */
    private static double argmin(DoubleUnaryOperator f, double from, double to) {
        return new BrentOptimizer(1e-12, 1e-14).optimize(new MaxEval(MAX_EVAL), GoalType.MINIMIZE,
                new SearchInterval(from, to), new UnivariateObjectiveFunction(f::applyAsDouble)).getPoint();
    }

    /**
     * The problem for M stages.
     *
     * @param m       M ≥ 2
     * @param pinnedN N_M, or null
     * @param lnSteps ln(N_k/N_1) when the growth ratios are fixed, else null (sizes free under the chain)
     * @return the problem profiled over the stage-end losses
     */
    Profile profile(int m, Double pinnedN, double[] lnSteps) {
        return new Profile(m, pinnedN, lnSteps);
    }

    /** A schedule: each stage's size and progress. */
    record Schedule(double[] sizes, double[] progress) {
    }

    /**
     * Appendix C profiled over the stage-end losses y = [L_1..L_{M−1}]; its value is ln(total compute /
     * single-stage compute); by the envelope theorem its gradient is the stage computes' partial derivatives in
     * the losses at the inner optimum (the chain N_k ≥ N_{k−1} does not depend on the losses).
     */
    final class Profile extends TwiceDifferentiableFunction {
        private final int m;
        private final Double pinnedN;
        private final double[] lnSteps;

        private Profile(int m, Double pinnedN, double[] lnSteps) {
            this.m = m;
            this.pinnedN = pinnedN;
            this.lnSteps = lnSteps;
        }

        @Override
        public int dim() {
            return m - 1;
        }

        private double endLoss(double[] y, int k) {
            return k == m - 1 ? target : y[k];
        }

        private double startLoss(double[] y, int k) {
            return k == 0 ? Double.POSITIVE_INFINITY : y[k - 1];
        }

        /** Stage compute of a size ln N between two losses (start = +∞ for the first stage). */
        private double stageCompute(double lnN, double start, double end) {
            double n = Math.exp(lnN);
            double p = law.progressToReach(n, end) - (Double.isInfinite(start) ? 0 : law.progressToReach(n, start));
            return p >= 0 && !Double.isInfinite(p) ? law.flops(n, p, target) : Double.POSITIVE_INFINITY;
        }

        /** The sizes (ln N) minimising the total compute for fixed losses, under N_1 ≤ … ≤ N_M. */
        double[] lnSizes(double[] y) {
            double[] u = new double[m];
            if (lnSteps != null) {   // fixed ratios: one common scale, the chain holds by construction
                double u1;
                if (pinnedN != null) {
                    u1 = Math.log(pinnedN) - lnSteps[m - 1];
                } else {
                    double lowest = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < m; k++) {
                        lowest = Math.max(lowest, floorLnN(endLoss(y, k)) - lnSteps[k]);
                    }
                    u1 = argmin(v -> blockCompute(y, 0, m, v, lnSteps), lowest + 1e-9, lowest + SPAN);
                }
                for (int k = 0; k < m; k++) {
                    u[k] = u1 + lnSteps[k];
                }
                return u;
            }
            // pool adjacent violators: each pool of stages shares the size that minimises its summed compute
            List<int[]> pools = new ArrayList<>();   // [first, end) of each pool
            List<Double> sizes = new ArrayList<>();
            for (int k = 0; k < m; k++) {
                pools.add(new int[] {k, k + 1});
                sizes.add(poolSize(y, k, k + 1));
                while (pools.size() > 1 && sizes.get(sizes.size() - 2) > sizes.get(sizes.size() - 1)) {
                    int[] last = pools.remove(pools.size() - 1);
                    sizes.remove(sizes.size() - 1);
                    int[] before = pools.get(pools.size() - 1);
                    before[1] = last[1];
                    sizes.set(sizes.size() - 1, poolSize(y, before[0], before[1]));
                }
            }
            for (int i = 0; i < pools.size(); i++) {
                for (int k = pools.get(i)[0]; k < pools.get(i)[1]; k++) {
                    u[k] = sizes.get(i);
                }
            }
            return u;
        }

        /** The best common ln N of stages [from, to): the pinned size when the pool holds the last stage. */
        private double poolSize(double[] y, int from, int to) {
            if (to == m && pinnedN != null) {
                return Math.log(pinnedN);
            }
            double lowest = Double.NEGATIVE_INFINITY;
            for (int k = from; k < to; k++) {
                lowest = Math.max(lowest, floorLnN(endLoss(y, k)));
            }
            return argmin(v -> blockCompute(y, from, to, v, null), lowest + 1e-9, lowest + SPAN);
        }

        private double blockCompute(double[] y, int from, int to, double v, double[] steps) {
            double t = 0;
            for (int k = from; k < to; k++) {
                t += stageCompute(v + (steps == null ? 0 : steps[k]), startLoss(y, k), endLoss(y, k));
            }
            return t;
        }

        @Override
        public double value(RealVector yv) {
            double[] y = yv.toArray();
            double[] u = lnSizes(y);
            double total = blockComputeAt(y, u);
            return Double.isFinite(total) ? Math.log(total / singleStageFlops()) : Double.POSITIVE_INFINITY;
        }

        private double blockComputeAt(double[] y, double[] u) {
            double total = 0;
            for (int k = 0; k < m; k++) {
                total += stageCompute(u[k], startLoss(y, k), endLoss(y, k));
            }
            return total;
        }

        /** Envelope theorem: d total/d L_k = ∂c_k/∂L_k + ∂c_{k+1}/∂L_k at the inner optimum, over the total. */
        @Override
        public RealVector gradient(RealVector yv) {
            double[] y = yv.toArray();
            double[] u = lnSizes(y);
            double total = blockComputeAt(y, u);
            RealVector g = new ArrayRealVector(dim());
            if (!Double.isFinite(total)) {
                g.set(Double.NaN);
                return g;
            }
            for (int k = 0; k < m - 1; k++) {
                double perProgressK = law.flops(Math.exp(u[k]), 1, target);
                double perProgressNext = law.flops(Math.exp(u[k + 1]), 1, target);
                g.setEntry(k, (perProgressK * law.progressSlope(Math.exp(u[k]), y[k])
                        - perProgressNext * law.progressSlope(Math.exp(u[k + 1]), y[k])) / total);
            }
            return g;
        }

        /** Central differences of the analytic gradient, symmetrised. */
        @Override
        public RealMatrix hessian(RealVector y) {
            int n = dim();
            double h = 1e-5;
            RealMatrix hm = new Array2DRowRealMatrix(n, n);
            for (int i = 0; i < n; i++) {
                RealVector up = y.copy();
                RealVector down = y.copy();
                up.addToEntry(i, h);
                down.addToEntry(i, -h);
                hm.setColumnVector(i, gradient(up).subtract(gradient(down)).mapDivide(2 * h));
            }
            return hm.add(hm.transpose()).scalarMultiply(0.5);
        }

        /** A·y ≥ b: L_{k−1} − L_k ≥ 0 and L_{M−1} ≥ L_target. */
        RealMatrix constraintRows() {
            RealMatrix a = new Array2DRowRealMatrix(m - 1, dim());
            for (int k = 1; k < m - 1; k++) {
                a.setEntry(k - 1, k - 1, 1);
                a.setEntry(k - 1, k, -1);
            }
            a.setEntry(m - 2, m - 2, 1);
            return a;
        }

        /** @return b of {@link #constraintRows()} */
        RealVector constraintBounds() {
            RealVector b = new ArrayRealVector(m - 1);
            b.setEntry(m - 2, target);
            return b;
        }

        /** The single-stage optimum's curve cut at geometric fractions of P*. */
        List<double[]> starts() {
            // with ratios fixed, cruder ladders converge faster (measured); free sizes prefer milder ones
            double[] fractions = lnSteps != null ? new double[] {0.5, 0.25, 0.1, 0.8} : new double[] {0.6, 0.75, 0.4, 0.85};
            List<double[]> out = new ArrayList<>();
            for (double frac : fractions) {
                double[] y = new double[dim()];
                for (int k = 0; k < m - 1; k++) {
                    y[k] = law.loss(nStar, pStar * Math.pow(frac, m - 1 - k));
                }
                out.add(y);
            }
            return out;
        }

        /** @return the sizes and progress at the losses y */
        Schedule schedule(double[] y) {
            double[] u = lnSizes(y);
            double[] n = new double[m];
            double[] p = new double[m];
            for (int k = 0; k < m; k++) {
                n[k] = Math.exp(u[k]);
                double start = k == 0 ? 0 : law.progressToReach(n[k], y[k - 1]);
                p[k] = law.progressToReach(n[k], endLoss(y, k)) - start;
            }
            return new Schedule(n, p);
        }

        /** @return why a schedule breaks a constraint (beyond round-off), or null */
        String infeasibility(Schedule s) {
            for (int k = 0; k < m; k++) {
                if (!(s.progress()[k] >= -1e-9 * pStar) || Double.isInfinite(s.progress()[k])) {
                    return "stage " + (k + 1) + " has progress " + s.progress()[k];
                }
                if (k > 0 && s.sizes()[k] < s.sizes()[k - 1] * (1 - 1e-9)) {
                    return "stage " + (k + 1) + " is smaller than stage " + k;
                }
            }
            if (pinnedN != null && Math.abs(s.sizes()[m - 1] / pinnedN - 1) > 1e-6) {
                return "final size " + s.sizes()[m - 1] + " instead of " + pinnedN;
            }
            return null;
        }
    }
}
