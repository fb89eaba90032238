package org.staged.schedule;

import java.util.ArrayList;
import java.util.List;
import org.hipparchus.exception.MathIllegalArgumentException;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.nonlinear.vector.constrained.SQPOptimizerS;
import org.hipparchus.optim.nonlinear.vector.constrained.TwiceDifferentiableFunction;

/**
 * Appendix C's optimal schedule: minimise total compute Σ C(N_k, P_k) subject to L_M = L_target,
 * N_k ≥ N_{k−1} and P_k ≥ 0, optionally with N_M pinned.
 *
 * <p>Formulation. The loss at the end of every stage but the last, L_1 … L_{M−1}, is the variable
 * (L_M = L_target). With the losses fixed, each stage's compute depends on its own size only, so each N_k
 * comes from a one-dimensional search and its progress in closed form, P_k = P(N_k → L_k) − P(N_k → L_{k−1})
 * (see {@link Profile}). What remains has M−1 variables, linear constraints (losses decreasing to the target)
 * and, by the envelope theorem, an analytic gradient. The size ordering is checked on the result.
 *
 * <p>Solver: {@link NewtonSqp}, Hipparchus' SQP driven as a constrained Newton method. Several deterministic
 * starts are tried; every result is checked against the constraints before it is accepted.
 */
public final class ScheduleSolver {
    /** Two starts whose optima differ by less than this in ln(compute) found the same one. */
    private static final double AGREE = 1e-9;
    /** Ratio sequences tried at most (|ratios|^(M−1)). */
    private static final int MAX_SEQUENCES = 4096;

    private final ScalingLaw law;
    private final double target;
    private final double nStar;
    private final double pStar;

    /**
     * @param law        the scaling law
     * @param targetLoss L_target, above the law's floor
     * @throws IllegalArgumentException when no model size reaches {@code targetLoss}
     */
    public ScheduleSolver(ScalingLaw law, double targetLoss) {
        if (!(targetLoss > law.floor(1e30))) {
            throw new IllegalArgumentException("target loss " + targetLoss + " is at or below the " + law.name()
                    + " law's floor " + law.floor(1e30) + ": no model size reaches it");
        }
        this.law = law;
        this.target = targetLoss;
        this.nStar = singleStageOptimumParams();
        this.pStar = law.progressToReach(nStar, targetLoss);
    }

    /** @return N of the compute-optimal single-stage run to the target loss */
    public double singleStageParams() {
        return nStar;
    }

    /**
     * The optimal M-stage schedule.
     *
     * @param stages  M ≥ 1
     * @param pinnedN N_M, or null to leave the final size free (as the paper's Tables 3 and 4 need)
     * @return the schedule
     * @throws IllegalArgumentException for M &lt; 1 or a pinned size that cannot reach the target
     * @throws IllegalStateException when no start converges to a feasible point
     */
    public ScheduleSolution solve(int stages, Double pinnedN) {
        return solve(stages, pinnedN, null);
    }

    /**
     * The optimal M-stage schedule whose growth ratios N_k/N_{k−1} are restricted to a set (the operators
     * can only double the width, ×4 parameters, or the depth, ×2): every sequence of ratios is tried.
     *
     * @param stages  M ≥ 1
     * @param pinnedN N_M, or null to leave the final size free
     * @param ratios  allowed ratios, each ≥ 1, or null for any non-decreasing sizes
     * @return the best schedule over all ratio sequences
     * @throws IllegalArgumentException for an empty ratio set, a ratio below 1, or too many sequences
     */
    public ScheduleSolution solve(int stages, Double pinnedN, double[] ratios) {
        if (ratios != null) {
            if (ratios.length == 0) {
                throw new IllegalArgumentException("--ratios: the set of growth ratios is empty");
            }
            for (double r : ratios) {
                if (!(r >= 1)) {
                    throw new IllegalArgumentException("--ratios: growth ratios must be >= 1, found " + r);
                }
            }
            if (Math.pow(ratios.length, stages - 1) > MAX_SEQUENCES) {
                throw new IllegalArgumentException("--ratios: " + ratios.length + "^" + (stages - 1)
                        + " ratio sequences for " + stages + " stages exceed " + MAX_SEQUENCES + "; use fewer stages");
            }
        }
        if (stages < 1) {
            throw new IllegalArgumentException("--stages must be >= 1, found " + stages);
        }
        if (pinnedN != null && !(law.floor(pinnedN) < target)) {
            throw new IllegalArgumentException("pinned final size " + pinnedN + " cannot reach loss " + target
                    + " (its floor is " + law.floor(pinnedN) + ")");
        }
        double[] n;
        double[] p;
        if (stages == 1) {   // closed form: the single-stage optimum, or the pinned size trained to the target
            n = new double[] {pinnedN != null ? pinnedN : nStar};
            p = new double[] {law.progressToReach(n[0], target)};
        } else {
            Levels f = new Levels(stages);
            double[] x = ratios == null ? optimise(stages, pinnedN, null, Integer.MAX_VALUE)
                    : bestOverSequences(stages, pinnedN, ratios);
            n = f.sizes(x);
            p = f.progress(x);
        }
        List<StageRecursion.Stage> st = StageRecursion.evaluate(law, n, p, target);
        double total = st.stream().mapToDouble(StageRecursion.Stage::pfDays).sum();
        return new ScheduleSolution(law.name(), target, st, total, law.flops(nStar, pStar, target) / StageRecursion.PF_DAY);
    }

    /**
     * Best of several starts on the profile problem (see {@link Profile}); the result is returned as
     * [u_1..u_M, L_1..L_{M−1}] and checked against every constraint, the size ordering included.
     */
    private double[] optimise(int m, Double pinnedN, double[] lnSteps, int maxStarts) {
        Levels f = new Levels(m);
        Profile prof = new Profile(m, pinnedN, lnSteps);
        double best = Double.POSITIVE_INFINITY;
        double[] bestX = null;
        String lastError = "no start tried";
        List<double[]> starts = prof.starts();
        for (double[] y0 : starts.subList(0, Math.min(maxStarts, starts.size()))) {
            try {
                double[] x = prof.toLevels(NewtonSqp.minimise(prof, prof.ordering(), prof.bounds(), y0));
                String why = f.infeasibility(x, pinnedN);
                double v = f.cost(x);
                if (why == null && Math.abs(v - best) < AGREE) {
                    break;   // a second start reached the same optimum
                }
                if (why == null && v < best) {
                    best = v;
                    bestX = x;
                } else if (why != null) {
                    lastError = why;
                }
            } catch (MathIllegalArgumentException | MathIllegalStateException | NullPointerException
                     | java.util.NoSuchElementException e) {
                // Hipparchus 4.0.2's SQP fails in several unchecked ways from some starts (a null or empty QP
                // result): try the next start
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
        if (bestX == null) {
            throw new IllegalStateException("no feasible " + m + "-stage schedule found for loss " + target + ": "
                    + lastError);
        }
        return bestX;
    }

    /** Every sequence of allowed ratios (cumulative ln N_k − ln N_1), each optimised; the cheapest wins. */
    private double[] bestOverSequences(int m, Double pinnedN, double[] ratios) {
        Levels f = new Levels(m);
        double best = Double.POSITIVE_INFINITY;
        double[] bestX = null;
        int count = (int) Math.pow(ratios.length, m - 1);
        String lastError = "";
        for (int code = 0; code < count; code++) {
            double[] lnSteps = new double[m];
            int c = code;
            for (int k = 1; k < m; k++) {
                lnSteps[k] = lnSteps[k - 1] + Math.log(ratios[c % ratios.length]);
                c /= ratios.length;
            }
            try {
                double[] x = optimise(m, pinnedN, lnSteps, 1);
                if (f.cost(x) < best) {
                    best = f.cost(x);
                    bestX = x;
                }
            } catch (IllegalStateException | IllegalArgumentException e) {
                lastError = e.getMessage();   // this sequence cannot reach the target (e.g. a pinned size too small)
            }
        }
        if (bestX == null) {
            throw new IllegalStateException("no ratio sequence reaches loss " + target + ": " + lastError);
        }
        return bestX;
    }

    /**
     * The problem profiled over the stage-end losses y = [L_1..L_{M−1}]: with the losses fixed, each stage's
     * compute depends on its own size only, c_k(N) = C(N, P(N → L_k) − P(N → L_{k−1})), so each N_k is
     * found by a one-dimensional search (a pinned final size stays fixed). The remaining problem has M−1
     * variables and linear constraints (losses decreasing to the target); by the envelope theorem its
     * gradient is the stage computes' partial derivatives in the losses at the inner optima.
     */
    private final class Profile extends TwiceDifferentiableFunction {
        private final int m;
        private final Double pinnedN;
        private final double[] lnSteps;   // ln(N_k/N_1) when ratios are fixed, else null (sizes independent)

        Profile(int m, Double pinnedN, double[] lnSteps) {
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

        /** ln of the smallest size whose floor is below {@code loss} (bisection). */
        double floorLnN(double loss) {
            double lo = Math.log(nStar) - 40;
            double hi = Math.log(nStar) + 40;
            for (int i = 0; i < 64; i++) {
                double mid = (lo + hi) / 2;
                if (law.floor(Math.exp(mid)) < loss) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            return hi;
        }

        double[] lnSizes(double[] y) {
            double[] u = new double[m];
            if (lnSteps == null) {   // each stage's best size on its own
                for (int k = 0; k < m; k++) {
                    double start = startLoss(y, k);
                    double end = endLoss(y, k);
                    u[k] = k == m - 1 && pinnedN != null ? Math.log(pinnedN)
                            : argmin(v -> stageCompute(v, start, end), floorLnN(end) + 1e-9);
                }
                return u;
            }
            double u1;                // fixed ratios: one common scale for all stages
            if (pinnedN != null) {
                u1 = Math.log(pinnedN) - lnSteps[m - 1];
            } else {
                double lowest = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < m; k++) {
                    lowest = Math.max(lowest, floorLnN(endLoss(y, k)) - lnSteps[k]);
                }
                u1 = argmin(v -> {
                    double t = 0;
                    for (int k = 0; k < m; k++) {
                        t += stageCompute(v + lnSteps[k], startLoss(y, k), endLoss(y, k));
                    }
                    return t;
                }, lowest + 1e-9);
            }
            for (int k = 0; k < m; k++) {
                u[k] = u1 + lnSteps[k];
            }
            return u;
        }

        /** Golden-section search on [from, from + 25] for a function that is infinite at its lower end. */
        private double argmin(java.util.function.DoubleUnaryOperator f, double from) {
            double a = from;
            double b = from + 25;
            double g = (Math.sqrt(5) - 1) / 2;
            for (int i = 0; i < 80; i++) {
                double x1 = b - g * (b - a);
                double x2 = a + g * (b - a);
                if (f.applyAsDouble(x1) < f.applyAsDouble(x2)) {
                    b = x2;
                } else {
                    a = x1;
                }
            }
            return (a + b) / 2;
        }

        @Override
        public double value(RealVector yv) {
            double[] y = yv.toArray();
            double[] u = lnSizes(y);
            double total = 0;
            for (int k = 0; k < m; k++) {
                total += stageCompute(u[k], startLoss(y, k), endLoss(y, k));
            }
            return Double.isFinite(total) ? Math.log(total / law.flops(nStar, pStar, target)) : 1e3;
        }

        /** Envelope theorem: d total/d L_k = ∂c_k/∂L_k + ∂c_{k+1}/∂L_k at the inner optima, divided by the total. */
        @Override
        public RealVector gradient(RealVector yv) {
            double[] y = yv.toArray();
            double[] u = lnSizes(y);
            double total = 0;
            double[] perProgress = new double[m];
            for (int k = 0; k < m; k++) {
                double c = stageCompute(u[k], startLoss(y, k), endLoss(y, k));
                if (!Double.isFinite(c)) {
                    return NewtonSqp.centralDifferences(this::value, yv, 1e-7);
                }
                total += c;
                perProgress[k] = law.flops(Math.exp(u[k]), 1, target);   // compute per unit of progress
            }
            RealVector g = new ArrayRealVector(dim());
            for (int k = 0; k < m - 1; k++) {
                g.setEntry(k, (perProgress[k] * law.progressSlope(Math.exp(u[k]), y[k])
                        - perProgress[k + 1] * law.progressSlope(Math.exp(u[k + 1]), y[k])) / total);
            }
            return g;
        }

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

        /** Rows L_{k−1} − L_k ≥ 0 and L_{M−1} ≥ L_target. */
        RealMatrix ordering() {
            RealMatrix a = new Array2DRowRealMatrix(m - 1, dim());
            for (int k = 1; k < m - 1; k++) {
                a.setEntry(k - 1, k - 1, 1);
                a.setEntry(k - 1, k, -1);
            }
            a.setEntry(m - 2, m - 2, 1);
            return a;
        }

        RealVector bounds() {
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

        /** [u_1..u_M (relative to N*), L_1..L_{M−1}] for {@link Levels}. */
        double[] toLevels(double[] y) {
            double[] u = lnSizes(y);
            double[] x = new double[2 * m - 1];
            for (int k = 0; k < m; k++) {
                x[k] = u[k] - Math.log(nStar);
            }
            System.arraycopy(y, 0, x, m, m - 1);
            return x;
        }
    }

    /** A schedule as x = [u_1..u_M, L_1..L_{M−1}]: its sizes, progress, cost and constraint check. */
    private final class Levels {
        private final int m;

        Levels(int m) {
            this.m = m;
        }

        double[] sizes(double[] x) {
            double[] n = new double[m];
            for (int k = 0; k < m; k++) {
                n[k] = nStar * Math.exp(x[k]);
            }
            return n;
        }

        /** P_k = P(N_k → L_k) − P(N_k → L_{k−1}); NaN or infinite outside the domain. */
        double[] progress(double[] x) {
            double[] n = sizes(x);
            double[] p = new double[m];
            for (int k = 0; k < m; k++) {
                double end = k == m - 1 ? target : x[m + k];
                double start = k == 0 ? 0 : law.progressToReach(n[k], x[m + k - 1]);
                p[k] = law.progressToReach(n[k], end) - start;
            }
            return p;
        }

        /** @return ln(total compute / single-stage compute), +∞ outside the domain */
        double cost(double[] x) {
            double[] n = sizes(x);
            double[] p = progress(x);
            double total = 0;
            for (int k = 0; k < m; k++) {
                if (!(p[k] >= 0) || Double.isInfinite(p[k])) {
                    return Double.POSITIVE_INFINITY;
                }
                total += law.flops(n[k], p[k], target);
            }
            return Math.log(total / law.flops(nStar, pStar, target));
        }

        String infeasibility(double[] x, Double pinnedN) {
            double[] p = progress(x);
            for (int k = 0; k < m; k++) {
                if (!(p[k] >= -1e-9 * pStar) || Double.isInfinite(p[k])) {
                    return "stage " + (k + 1) + " has progress " + p[k];
                }
                if (k > 0 && x[k] < x[k - 1] - 1e-9) {
                    return "stage " + (k + 1) + " is smaller than stage " + k;
                }
            }
            if (pinnedN != null && Math.abs(sizes(x)[m - 1] / pinnedN - 1) > 1e-6) {
                return "final size " + sizes(x)[m - 1] + " instead of " + pinnedN;
            }
            return null;
        }

    }

    /** Golden-section search on ln N for the cheapest single run to the target loss. */
    private double singleStageOptimumParams() {
        double lo = Math.log(1e3);
        double hi = Math.log(1e15);
        while (!(law.floor(Math.exp(hi)) < target)) {
            hi += 2;
        }
        double g = (Math.sqrt(5) - 1) / 2;
        for (int i = 0; i < 200; i++) {
            double a = hi - g * (hi - lo);
            double b = lo + g * (hi - lo);
            if (singleCost(a) < singleCost(b)) {
                hi = b;
            } else {
                lo = a;
            }
        }
        return Math.exp((lo + hi) / 2);
    }

    private double singleCost(double lnN) {
        double n = Math.exp(lnN);
        double p = law.progressToReach(n, target);
        return Double.isInfinite(p) ? Double.POSITIVE_INFINITY : Math.log(law.flops(n, p, target));
    }
}
