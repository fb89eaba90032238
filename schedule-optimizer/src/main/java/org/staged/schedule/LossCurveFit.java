package org.staged.schedule;

import java.util.Arrays;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.util.Pair;

/**
 * One model's loss curve against compute, L(C) = e + k·C^(−α): the shape Kaplan's law gives a fixed model
 * size (e its floor, α = α_S), fitted to logged points by least squares on log L (Levenberg–Marquardt), so
 * slopes and crossings are read off a smooth curve rather than noisy points.
 *
 * @param e              the curve's floor
 * @param k              scale
 * @param alpha          exponent α
 * @param computePerStep compute of one optimizer step (to convert compute to steps)
 */
public record LossCurveFit(double e, double k, double alpha, double computePerStep) {

    /**
     * Fits a logged curve.
     *
     * @param steps   optimizer steps of each point
     * @param compute cumulative compute of each point (increasing)
     * @param loss    loss of each point
     * @return the fit
     * @throws IllegalArgumentException when there are fewer than 4 points or they are not increasing in compute
     */
    public static LossCurveFit fit(double[] steps, double[] compute, double[] loss) {
        int n = compute.length;
        if (n < 4 || steps.length != n || loss.length != n) {
            throw new IllegalArgumentException("a loss curve needs at least 4 points of (steps, compute, loss), found "
                    + n);
        }
        for (int i = 1; i < n; i++) {
            if (!(compute[i] > compute[i - 1])) {
                throw new IllegalArgumentException("compute must increase along a loss curve (point " + (i + 1) + ")");
            }
        }
        double minLoss = Arrays.stream(loss).min().orElseThrow();
        double[] lnC = Arrays.stream(compute).map(Math::log).toArray();
        double[] lnL = Arrays.stream(loss).map(Math::log).toArray();
        double alpha0 = 0.5;
        double e0 = 0.8 * minLoss;
        double lnk0 = Math.log(loss[0] - e0) + alpha0 * lnC[0];
        LeastSquaresOptimizer.Optimum o = new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
                .start(new double[] {e0, lnk0, alpha0})
                .target(lnL)
                .model(p -> model(p, lnC))
                .parameterValidator(p -> {   // keep the floor below every loss and the exponent positive
                    RealVector q = p.copy();
                    q.setEntry(0, Math.min(Math.max(q.getEntry(0), 0), 0.999 * minLoss));
                    q.setEntry(2, Math.min(Math.max(q.getEntry(2), 1e-3), 5));
                    return q;
                })
                .maxEvaluations(10_000).maxIterations(10_000).build());
        RealVector p = o.getPoint();
        double[] perStep = new double[n];
        for (int i = 0; i < n; i++) {
            perStep[i] = compute[i] / steps[i];
        }
        Arrays.sort(perStep);
        return new LossCurveFit(p.getEntry(0), Math.exp(p.getEntry(1)), p.getEntry(2), perStep[n / 2]);
    }

    /** ln L_i = ln(e + exp(ln k − α·ln C_i)) and its Jacobian in (e, ln k, α). */
    private static Pair<RealVector, RealMatrix> model(RealVector p, double[] lnC) {
        double e = p.getEntry(0);
        double lnk = p.getEntry(1);
        double a = p.getEntry(2);
        RealVector v = new ArrayRealVector(lnC.length);
        RealMatrix j = new Array2DRowRealMatrix(lnC.length, 3);
        for (int i = 0; i < lnC.length; i++) {
            double r = Math.exp(lnk - a * lnC[i]);
            double m = e + r;
            v.setEntry(i, Math.log(m));
            j.setEntry(i, 0, 1 / m);
            j.setEntry(i, 1, r / m);
            j.setEntry(i, 2, -lnC[i] * r / m);
        }
        return new Pair<>(v, j);
    }

    /** @return L at compute c */
    public double loss(double c) {
        return e + k * Math.pow(c, -alpha);
    }

    /** @return the compute at which the curve reaches {@code l}, +∞ at or below the floor */
    public double computeAt(double l) {
        return l <= e ? Double.POSITIVE_INFINITY : Math.pow((l - e) / k, -1 / alpha);
    }

    /** @return d ln L / d ln C at compute c, in (−α, 0) */
    public double slope(double c) {
        double r = k * Math.pow(c, -alpha);
        return -alpha * r / (e + r);
    }

    /** @return the compute at which the slope equals σ, for −α &lt; σ &lt; 0 */
    public double computeAtSlope(double sigma) {
        double q = -sigma / alpha;
        if (!(q > 0 && q < 1)) {
            throw new IllegalArgumentException("slope " + sigma + " is outside this curve's range (" + (-alpha) + ", 0)");
        }
        double r = e * q / (1 - q);
        return Math.pow(r / k, -1 / alpha);
    }

    /** @return optimizer steps at compute c */
    public double stepsAt(double c) {
        return c / computePerStep;
    }
}
