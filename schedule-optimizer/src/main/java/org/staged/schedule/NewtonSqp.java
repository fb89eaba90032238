package org.staged.schedule;

import java.util.Arrays;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxIter;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.vector.constrained.ADMMQPOptimizer;
import org.hipparchus.optim.nonlinear.vector.constrained.ADMMQPOption;
import org.hipparchus.optim.nonlinear.vector.constrained.LagrangeSolution;
import org.hipparchus.optim.nonlinear.vector.constrained.LinearInequalityConstraint;
import org.hipparchus.optim.nonlinear.vector.constrained.QuadraticFunction;
import org.hipparchus.optim.nonlinear.vector.constrained.TwiceDifferentiableFunction;

/**
 * Sequential quadratic programming for a smooth function under linear inequalities A·y ≥ b: at each point the
 * quadratic model (gradient, Hessian with its eigenvalues clamped positive) is minimised under the constraints
 * by Hipparchus' {@link ADMMQPOptimizer}, in coordinates whitened by that Hessian (so the QP is a projection and
 * well scaled), then a backtracking line search on the function takes the step. It stops when the step
 * vanishes; a run that does not get there says so in its {@link Result}, never passing for a solution.
 */
final class NewtonSqp {
    private static final int MAX_STEPS = 200;
    private static final double STEP_TOL = 1e-10;
    /** A decrease of the function below this is no progress (the schedule's value is ln of a compute ratio). */
    private static final double VALUE_TOL = 1e-14;
    private static final int MAX_HALVINGS = 40;
    private static final int QP_ITERATIONS = 200_000;

    private NewtonSqp() {
    }

    /**
     * Where a run ended.
     *
     * @param y         the last point
     * @param converged whether the step vanished there
     * @param steps     steps taken
     * @param why       why it did not converge, or empty
     */
    record Result(double[] y, boolean converged, int steps, String why) {
    }

    /**
     * @param f  the function (value, gradient and Hessian)
     * @param a  constraint rows
     * @param b  constraint bounds
     * @param y0 a feasible start
     * @return where the run ended
     */
    static Result minimise(TwiceDifferentiableFunction f, RealMatrix a, RealVector b, double[] y0) {
        RealVector y = new ArrayRealVector(y0);
        double fy = f.value(y);
        if (!Double.isFinite(fy)) {
            return new Result(y0.clone(), false, 0, "the function is not finite at the start");
        }
        for (int step = 1; step <= MAX_STEPS; step++) {
            RealVector g = f.gradient(y);
            if (!Double.isFinite(g.getLInfNorm())) {
                return new Result(y.toArray(), false, step, "the gradient is not finite at " + y);
            }
            RealMatrix map = whitening(f.hessian(y));
            // in z = map⁻¹·(y' − y): minimise ½|z|² + (mapᵀ·g)·z subject to (A·map)·z ≥ b − A·y; the Newton
            // step −mapᵀ·g solves it exactly when it is feasible, the QP solver is needed only when it is not
            RealVector q = map.transpose().operate(g);
            RealMatrix az = a.multiply(map);
            RealVector slack = b.subtract(a.operate(y));
            RealVector z = q.mapMultiply(-1);
            if (az.operate(z).subtract(slack).getMinValue() < 0) {
                try {
                    LagrangeSolution qp = new ADMMQPOptimizer().optimize(new ObjectiveFunction(new QuadraticFunction(
                            MatrixUtils.createRealIdentityMatrix(q.getDimension()), q, 0)),
                            new LinearInequalityConstraint(az, slack), qpOption(),
                            new InitialGuess(new double[q.getDimension()]), new MaxIter(QP_ITERATIONS));
                    z = qp.getX();
                } catch (MathIllegalStateException e) {   // the QP solver's own report of non-convergence
                    return new Result(y.toArray(), false, step, "the QP subproblem did not converge at " + y + ": "
                            + e.getMessage());
                }
            }
            RealVector d = map.operate(z);
            double slope = g.dotProduct(d);
            double t = 1;
            RealVector next = null;
            double fNext = Double.NaN;
            for (int h = 0; h < MAX_HALVINGS; h++, t /= 2) {
                RealVector trial = y.add(d.mapMultiply(t));
                double v = f.value(trial);
                if (Double.isFinite(v) && v <= fy + 1e-4 * t * Math.min(slope, 0)) {   // Armijo
                    next = trial;
                    fNext = v;
                    break;
                }
            }
            double move = 0;
            for (int i = 0; i < y.getDimension(); i++) {
                move = Math.max(move, Math.abs(t * d.getEntry(i)) / (1 + Math.abs(y.getEntry(i))));
            }
            if (next == null) {
                // no decrease along a step that is already below the tolerance is convergence, else a failure
                return move < STEP_TOL ? new Result(y.toArray(), true, step, "")
                        : new Result(y.toArray(), false, step, "the line search found no decrease at " + y);
            }
            double decrease = fy - fNext;
            y = next;
            fy = fNext;
            if (move < STEP_TOL || decrease < VALUE_TOL) {
                return new Result(y.toArray(), true, step, "");
            }
        }
        return new Result(y.toArray(), false, MAX_STEPS, "no convergence within " + MAX_STEPS + " steps");
    }

    private static ADMMQPOption qpOption() {
        ADMMQPOption o = new ADMMQPOption();
        o.setEps(1e-11);
        o.setEpsInfeasible(1e-13);
        o.setPolishing(false);   // Hipparchus 4.0.2's polishing fails on singular active sets
        return o;
    }

    /** V·D^(−1/2) for H = V·D·Vᵀ, eigenvalues clamped positive. */
    private static RealMatrix whitening(RealMatrix h) {
        EigenDecompositionSymmetric eig = new EigenDecompositionSymmetric(h.add(h.transpose()).scalarMultiply(0.5));
        double[] ev = eig.getEigenvalues();
        double top = Arrays.stream(ev).map(Math::abs).max().orElse(0);
        if (!(top > 0)) {   // a flat function (e.g. every stage pooled at a pinned size): no curvature to whiten
            return MatrixUtils.createRealIdentityMatrix(ev.length);
        }
        RealMatrix d = new Array2DRowRealMatrix(ev.length, ev.length);
        for (int i = 0; i < ev.length; i++) {
            d.setEntry(i, i, 1 / Math.sqrt(Math.max(Math.abs(ev[i]), 1e-4 * top)));
        }
        return eig.getV().multiply(d);
    }
}
