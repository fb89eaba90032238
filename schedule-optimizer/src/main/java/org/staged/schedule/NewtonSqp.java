package org.staged.schedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
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
import org.hipparchus.optim.nonlinear.vector.constrained.SQPOptimizerS;
import org.hipparchus.optim.nonlinear.vector.constrained.SQPOption;
import org.hipparchus.optim.nonlinear.vector.constrained.TwiceDifferentiableFunction;

/**
 * Minimises a smooth function under linear inequalities A·y ≥ b with Hipparchus' {@link SQPOptimizerS}
 * (Schittkowski's SQP; the GM variant can loop forever and is not used). Three behaviours of Hipparchus 4.0.2
 * shape how it is called: its BFGS update fails its own symmetry check once the matrix is far from the
 * identity; its QP subproblem returns nothing on problems whose values are of order one; a failed first line
 * search throws. So each SQP run is a single iteration in coordinates whitened by the finite-difference
 * Hessian at the current point (its start matrix is then the true Hessian and the step a Newton step),
 * objective and constraints are multiplied by {@link #SCALE}, and a failed step is retried shorter.
 */
final class NewtonSqp {
    private static final int MAX_NEWTON_STEPS = 200;
    private static final double STEP_TOL = 1e-10;
    /**
     * Objective and constraints are multiplied by this inside each SQP run: Hipparchus 4.0.2's QP subproblem
     * (ADMM) fails, returning no solution, on problems whose values are of order one or below.
     */
    private static final double SCALE = 1000;

    private NewtonSqp() {
    }

    /**
     * One-iteration SQP runs in Hessian-whitened coordinates y = c + V·D^(−1/2)·z, until the step vanishes;
     * the constraints are linear, A·y ≥ b.
     */
    static double[] minimise(TwiceDifferentiableFunction f, RealMatrix a, RealVector b, double[] y0) {
        double[] y = y0.clone();
        for (int step = 0; step < MAX_NEWTON_STEPS; step++) {
            RealVector c = new ArrayRealVector(y);
            RealMatrix map = whitening(f.hessian(c));
            RealVector z = null;
            // a failed line search surfaces as an exception inside Hipparchus: retry with shorter steps
            for (int attempt = 0; z == null; attempt++) {
                List<OptimizationData> data = new ArrayList<>(List.of(new ObjectiveFunction(new Whitened(f, c, map)),
                        new LinearRows(a.multiply(map).scalarMultiply(SCALE), b.subtract(a.operate(c)).mapMultiply(SCALE)),
                        option(), new InitialGuess(new double[y.length]), new MaxIter(1)));
                try {
                    z = new SQPOptimizerS().optimize(data.toArray(new OptimizationData[0])).getX();
                } catch (NullPointerException | java.util.NoSuchElementException e) {
                    if (attempt == 6) {
                        throw e;
                    }
                    map = map.scalarMultiply(0.25);
                }
            }
            double[] next = c.add(map.operate(z)).toArray();
            double move = 0;
            for (int i = 0; i < y.length; i++) {
                move = Math.max(move, Math.abs(next[i] - y[i]) / (1 + Math.abs(y[i])));
            }
            y = next;
            if (move < STEP_TOL) {
                break;
            }
        }
        return y;
    }

    /**
     * A·z − b ≥ 0, written with a zero lower bound: parts of Hipparchus 4.0.2's SQP read the constraint values
     * without subtracting the bound, so a non-zero bound (as {@code LinearInequalityConstraint(A, b)} has)
     * can make its first QP subproblem fail.
     */
    private static final class LinearRows extends InequalityConstraint {
        private final RealMatrix a;
        private final RealVector b;

        LinearRows(RealMatrix a, RealVector b) {
            super(new ArrayRealVector(b.getDimension()));
            this.a = a;
            this.b = b;
        }

        @Override
        public int dim() {
            return a.getColumnDimension();
        }

        @Override
        public RealVector value(RealVector z) {
            return a.operate(z).subtract(b);
        }

        @Override
        public RealMatrix jacobian(RealVector z) {
            return a.copy();
        }
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
        o.setUseFunHessian(true);   // the whitened Hessian: SCALE times the identity
        return o;
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
            return SCALE * f.value(c.add(map.operate(z)));
        }

        @Override
        public RealVector gradient(RealVector z) {
            return map.transpose().operate(f.gradient(c.add(map.operate(z)))).mapMultiply(SCALE);
        }

        @Override
        public RealMatrix hessian(RealVector z) {
            return MatrixUtils.createRealIdentityMatrix(dim()).scalarMultiply(SCALE);
        }
    }

    static RealVector centralDifferences(ToDoubleFunction<RealVector> f, RealVector x, double h) {
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
}
