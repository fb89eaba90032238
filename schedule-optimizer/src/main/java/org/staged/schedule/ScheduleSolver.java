package org.staged.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.hipparchus.exception.MathIllegalArgumentException;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxIter;
import org.hipparchus.optim.OptimizationData;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.vector.constrained.InequalityConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.LinearEqualityConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.SQPOptimizerS;
import org.hipparchus.optim.nonlinear.vector.constrained.SQPOption;
import org.hipparchus.optim.nonlinear.vector.constrained.TwiceDifferentiableFunction;

/**
 * Appendix C's optimal schedule: minimise total compute Σ C(N_k, P_k) subject to L_M = L_target,
 * N_k ≥ N_{k−1} and P_k ≥ 0, optionally with N_M pinned.
 *
 * <p>Formulation. The variables are the sizes u_k = ln(N_k/N*) and the loss at the end of every stage but
 * the last, L_1 … L_{M−1} (L_M = L_target), with (N*, P*) the single-stage optimum. Each stage's progress is
 * then closed-form, P_k = P(N_k → L_k) − P(N_k → L_{k−1}), so the loss equality disappears and every
 * constraint is an inequality: sizes non-decreasing, losses decreasing, each loss above its size's floor.
 *
 * <p>Solver. Hipparchus' {@link SQPOptimizerS} (Schittkowski's SQP: smooth objective, nonlinear inequality
 * constraints and a linear equality for a pinned size; the GM variant can loop forever and is not used).
 * The optimum is very flat (the sizes move compute in the sixth digit), where the SQP's BFGS stalls, and
 * Hipparchus 4.0.2's BFGS update fails its own symmetry check once its matrix is far from the identity.
 * So each SQP run is one iteration in coordinates whitened by the objective's finite-difference Hessian at
 * the current point: its identity start matrix is then the true Hessian, the step a Newton step, and the
 * only BFGS update it makes is exactly symmetric. Several deterministic starts are tried and every result
 * is checked against the constraints before it is accepted.
 */
public final class ScheduleSolver {
    private static final int MAX_NEWTON_STEPS = 200;
    private static final double STEP_TOL = 1e-10;

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
            double[] x = optimise(stages, pinnedN);
            n = f.sizes(x);
            p = f.progress(x);
        }
        List<StagedRun.Stage> st = StagedRun.evaluate(law, n, p, target);
        double total = st.stream().mapToDouble(StagedRun.Stage::pfDays).sum();
        return new ScheduleSolution(law.name(), target, st, total, law.flops(nStar, pStar, target) / StagedRun.PF_DAY);
    }

    /**
     * Best of several starts: the (M−1)-stage optimum with a smaller first stage put in front (continuation,
     * which keeps large M reliable), then fixed size ladders.
     */
    private double[] optimise(int m, Double pinnedN) {
        Levels f = new Levels(m);
        List<double[]> starts = new ArrayList<>();
        starts.addAll(f.starts(pinnedN));
        double best = Double.POSITIVE_INFINITY;
        double[] bestX = null;
        String lastError = "no start tried";
        for (double[] x0 : starts) {
            try {
                double[] x = newtonSqp(f, x0, pinnedN);
                String why = f.infeasibility(x, pinnedN);
                double v = f.value(new ArrayRealVector(x));
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
                lastError = String.valueOf(e.getMessage());
            }
        }
        if (bestX == null) {
            throw new IllegalStateException("no feasible " + f.m + "-stage schedule found for loss " + target + ": "
                    + lastError);
        }
        return bestX;
    }

    /** One-iteration SQP runs in Hessian-whitened coordinates x = c + V·D^(−1/2)·z, until the step vanishes. */
    private double[] newtonSqp(Levels f, double[] x0, Double pinnedN) {
        double[] x = x0.clone();
        for (int step = 0; step < MAX_NEWTON_STEPS; step++) {
            RealVector c = new ArrayRealVector(x);
            RealMatrix map = whitening(f.hessian(c));
            List<OptimizationData> data = new ArrayList<>(List.of(new ObjectiveFunction(new Whitened(f, c, map)),
                    new WhitenedConstraints(new LevelConstraints(f), c, map), option(),
                    new InitialGuess(new double[x.length]), new MaxIter(1)));
            if (pinnedN != null) {   // u_M = ln(N_pin/N*), a linear equality, mapped to z
                RealVector a = new ArrayRealVector(x.length);
                a.setEntry(f.m - 1, 1);
                double rhs = Math.log(pinnedN / nStar) - a.dotProduct(c);
                data.add(new LinearEqualityConstraint(MatrixUtils.createRowRealMatrix(map.preMultiply(a).toArray()),
                        new ArrayRealVector(new double[] {rhs})));
            }
            RealVector z = new SQPOptimizerS().optimize(data.toArray(new OptimizationData[0])).getX();
            double[] next = c.add(map.operate(z)).toArray();
            double move = 0;
            for (int i = 0; i < x.length; i++) {
                move = Math.max(move, Math.abs(next[i] - x[i]) / (1 + Math.abs(x[i])));
            }
            x = next;
            if (move < STEP_TOL) {
                break;
            }
        }
        return x;
    }

    /** V·D^(−1/2) for H = V·D·Vᵀ, eigenvalues clamped positive. */
    private static RealMatrix whitening(RealMatrix h) {
        EigenDecompositionSymmetric eig = new EigenDecompositionSymmetric(h.add(h.transpose()).scalarMultiply(0.5));
        double[] ev = eig.getEigenvalues();
        double top = Arrays.stream(ev).map(Math::abs).max().orElse(1);
        RealMatrix d = new Array2DRowRealMatrix(ev.length, ev.length);
        for (int i = 0; i < ev.length; i++) {
            d.setEntry(i, i, 1 / Math.sqrt(Math.max(Math.abs(ev[i]), 1e-4 * top)));
        }
        return eig.getV().multiply(d);
    }

    private static SQPOption option() {
        SQPOption o = new SQPOption();
        o.setEps(1e-12);
        o.setMaxLineSearchIteration(50);
        return o;
    }

    /** ln(total compute / single-stage compute) over x = [u_1..u_M, L_1..L_{M−1}]. */
    private final class Levels extends TwiceDifferentiableFunction {
        private final int m;

        Levels(int m) {
            this.m = m;
        }

        @Override
        public int dim() {
            return 2 * m - 1;
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

        @Override
        public double value(RealVector xv) {
            double[] x = xv.toArray();
            double[] n = sizes(x);
            double[] p = progress(x);
            double total = 0;
            for (int k = 0; k < m; k++) {
                if (!(p[k] >= 0) || Double.isInfinite(p[k])) {
                    return 1e3;   // outside the domain: large but finite, so line searches back off
                }
                total += law.flops(n[k], p[k], target);
            }
            return Math.log(total / law.flops(nStar, pStar, target));
        }

        /**
         * Analytic: C_k ∝ N_k·P_k with P_k = R(N_k, L_k) − R(N_k, L_{k−1}); R depends on L − floor(N), so
         * ∂R/∂u = −∂R/∂L · d floor/d ln N.
         */
        @Override
        public RealVector gradient(RealVector xv) {
            double[] x = xv.toArray();
            double[] n = sizes(x);
            double[] p = progress(x);
            double[] c = new double[m];
            double total = 0;
            for (int k = 0; k < m; k++) {
                if (!(p[k] >= 0) || Double.isInfinite(p[k])) {
                    return centralDifferences(this::value, xv, 1e-6);   // outside the domain: see value()
                }
                c[k] = law.flops(n[k], p[k], target);
                total += c[k];
            }
            RealVector g = new ArrayRealVector(dim());
            for (int k = 0; k < m; k++) {
                double perProgress = c[k] / Math.max(p[k], Double.MIN_NORMAL);   // ∂C_k/∂P_k
                double end = k == m - 1 ? target : x[m + k];
                double slopeEnd = law.progressSlope(n[k], end);
                double slopeStart = k == 0 ? 0 : law.progressSlope(n[k], x[m + k - 1]);
                double dPdU = -(slopeEnd - slopeStart) * law.floorSlope(n[k]);
                g.addToEntry(k, (c[k] + perProgress * dPdU) / total);
                if (k < m - 1) {
                    g.addToEntry(m + k, perProgress * slopeEnd / total);
                }
                if (k > 0) {
                    g.addToEntry(m + k - 1, -perProgress * slopeStart / total);
                }
            }
            return g;
        }

        /** Finite differences of the gradient, symmetrised. */
        @Override
        public RealMatrix hessian(RealVector x) {
            int n = dim();
            double h = 1e-4;
            RealMatrix hm = new Array2DRowRealMatrix(n, n);
            for (int i = 0; i < n; i++) {
                RealVector up = x.copy();
                RealVector down = x.copy();
                up.addToEntry(i, h);
                down.addToEntry(i, -h);
                hm.setColumnVector(i, gradient(up).subtract(gradient(down)).mapDivide(2 * h));
            }
            return hm.add(hm.transpose()).scalarMultiply(0.5);
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

        /** An (M−1)-stage point [u, L] as an M-stage start: a first stage a third the size in front. */
        double[] prependStage(double[] prev) {
            int p = m - 1;
            double[] x = new double[dim()];
            x[0] = prev[0] - Math.log(3);
            System.arraycopy(prev, 0, x, 1, p);
            double firstLoss = p > 1 ? prev[p] : target;
            double floor0 = law.floor(nStar * Math.exp(x[0]));
            x[m] = Math.max(firstLoss + 0.3 * (firstLoss - target) + 0.05, floor0 + 0.05);
            System.arraycopy(prev, p, x, m + 1, p - 1);
            return x;
        }

        /** Size ladders ending at N* (or the pinned size), stage-end losses spread above the target. */
        List<double[]> starts(Double pinnedN) {
            List<double[]> out = new ArrayList<>();
            // the single-stage run cut into M equal stages of the same size: feasible, factor exactly 1
            double u = pinnedN != null ? Math.log(pinnedN / nStar) : 0;
            double p = law.progressToReach(nStar * Math.exp(u), target);
            double[] flat = new double[dim()];
            for (int k = 0; k < m; k++) {
                flat[k] = u;
                if (k < m - 1) {
                    flat[m + k] = law.loss(nStar * Math.exp(u), p * (k + 1) / m);
                }
            }
            out.add(flat);
            double end = pinnedN != null ? Math.log(pinnedN / nStar) : 0;
            for (double ratio : new double[] {3.0, 2.0, 5.0, 8.0, 1.5, 12.0}) {
                for (double shift : pinnedN != null ? new double[] {0} : new double[] {0, 0.5, -0.5}) {
                    double[] x = new double[dim()];
                    for (int k = 0; k < m; k++) {
                        x[k] = end + (k == m - 1 ? 0 : shift) - (m - 1 - k) * Math.log(ratio);
                    }
                    for (int k = 0; k < m - 1; k++) {   // losses: a geometric split of the way from the floor
                        double floorK = law.floor(nStar * Math.exp(x[k]));
                        double lo = Math.max(floorK, target);
                        x[m + k] = lo + (m - 1 - k) * 0.15 * (lo - floorK + 0.1 * target);
                    }
                    out.add(x);
                }
            }
            return out;
        }
    }

    /** Sizes non-decreasing, stage-end losses decreasing to the target, each loss above its size's floor. */
    private final class LevelConstraints {
        private final Levels f;

        LevelConstraints(Levels f) {
            this.f = f;
        }

        int rows() {
            return 3 * (f.m - 1);
        }

        RealVector value(double[] x) {
            int m = f.m;
            RealVector g = new ArrayRealVector(rows());
            int r = 0;
            for (int k = 1; k < m; k++) {
                g.setEntry(r++, x[k] - x[k - 1]);                                 // N_k ≥ N_{k−1}
            }
            for (int k = 1; k < m - 1; k++) {
                g.setEntry(r++, x[m + k - 1] - x[m + k]);                         // L_{k−1} ≥ L_k
            }
            g.setEntry(r++, x[2 * m - 2] - target);                               // L_{M−1} ≥ L_target
            for (int k = 0; k < m - 1; k++) {
                g.setEntry(r++, x[m + k] - law.floor(nStar * Math.exp(x[k])));    // L_k above N_k's floor
            }
            return g;
        }
    }

    /** f(c + M·z): gradient Mᵀ·∇f, identity Hessian (M whitens the true one). */
    private static final class Whitened extends TwiceDifferentiableFunction {
        private final TwiceDifferentiableFunction f;
        private final RealVector c;
        private final RealMatrix map;

        Whitened(TwiceDifferentiableFunction f, RealVector c, RealMatrix map) {
            this.f = f;
            this.c = c;
            this.map = map;
        }

        @Override
        public int dim() {
            return f.dim();
        }

        @Override
        public double value(RealVector z) {
            return f.value(c.add(map.operate(z)));
        }

        @Override
        public RealVector gradient(RealVector z) {
            return map.transpose().operate(f.gradient(c.add(map.operate(z))));
        }

        @Override
        public RealMatrix hessian(RealVector z) {
            return MatrixUtils.createRealIdentityMatrix(dim());
        }
    }

    /** The level constraints at c + M·z, with a finite-difference Jacobian in z. */
    private static final class WhitenedConstraints extends InequalityConstraint {
        private final LevelConstraints g;
        private final RealVector c;
        private final RealMatrix map;

        WhitenedConstraints(LevelConstraints g, RealVector c, RealMatrix map) {
            super(new ArrayRealVector(g.rows()));
            this.g = g;
            this.c = c;
            this.map = map;
        }

        @Override
        public int dim() {
            return c.getDimension();
        }

        @Override
        public RealVector value(RealVector z) {
            return g.value(c.add(map.operate(z)).toArray());
        }

        @Override
        public RealMatrix jacobian(RealVector z) {
            RealMatrix j = new Array2DRowRealMatrix(g.rows(), dim());
            double h = 1e-7;
            for (int i = 0; i < dim(); i++) {
                RealVector up = z.copy();
                RealVector down = z.copy();
                up.addToEntry(i, h);
                down.addToEntry(i, -h);
                j.setColumnVector(i, value(up).subtract(value(down)).mapDivide(2 * h));
            }
            return j;
        }
    }

    private static RealVector centralDifferences(ToDoubleFunction<RealVector> f, RealVector x, double h) {
        RealVector g = new ArrayRealVector(x.getDimension());
        for (int i = 0; i < x.getDimension(); i++) {
            RealVector up = x.copy();
            RealVector down = x.copy();
            up.addToEntry(i, h);
            down.addToEntry(i, -h);
            g.setEntry(i, (f.applyAsDouble(up) - f.applyAsDouble(down)) / (2 * h));
        }
        return g;
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
