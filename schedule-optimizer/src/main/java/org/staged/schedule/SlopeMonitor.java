package org.staged.schedule;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalDouble;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.DecompositionSolver;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.QRDecomposition;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;

/**
 * An online estimate of the training efficiency ∂L/∂C in the paper's log-log sense, d log L / d log C
 * (§5, Figure 6), at the latest of a noisy stream of (compute, loss) points. Algorithm 1 trains while the
 * slope is steeper than τ and moves on (grow, or stop at OPTIMALITY) once it is not.
 *
 * <p>The slope is that of a quadratic in log C fitted by least squares to the points within a window of
 * the latest one, taken at the latest point. A straight-line fit over the window would give the slope at
 * the window's centre instead (half a window back: for the last doubling of compute, C/√2), so a monitor
 * built on it fires up to √2 times later than the instantaneous slope τ refers to (Eq. 8, and what
 * {@link PracticalEstimator} returns).
 */
public final class SlopeMonitor {
    /**
     * Fitting window of Algorithm 1's monitor: the last tripling of compute (a wider window averages more
     * noise, but the quadratic then misses more of the curve's shape and fires early).
     */
    public static final double WINDOW = Math.log(3);
    /** Points the monitor needs in its window before it reports. */
    public static final int MIN_POINTS = 5;

    private final double window;              // width of the fitting window in ln C
    private final int minPoints;
    private final Deque<double[]> points = new ArrayDeque<>();   // {ln C, ln L}
    private boolean spanned;   // the points have covered a whole window

    /** A monitor with Algorithm 1's window and minimum number of points. */
    public SlopeMonitor() {
        this(WINDOW, MIN_POINTS);
    }

    /**
     * @param logComputeWindow fitting window in ln C (ln 3: the last tripling of compute)
     * @param minPoints        points needed before a slope is reported, at least 3 (a quadratic)
     */
    public SlopeMonitor(double logComputeWindow, int minPoints) {
        if (!(logComputeWindow > 0) || minPoints < 3) {
            throw new IllegalArgumentException("SlopeMonitor: window must be > 0 and minPoints >= 3, found "
                    + logComputeWindow + ", " + minPoints);
        }
        this.window = logComputeWindow;
        this.minPoints = minPoints;
    }

    /**
     * Adds a point; compute must increase.
     *
     * @param compute cumulative compute (any unit)
     * @param loss    loss at that compute
     */
    public void add(double compute, double loss) {
        if (!(compute > 0) || !(loss > 0)) {
            throw new IllegalArgumentException("SlopeMonitor: compute and loss must be > 0, found " + compute
                    + ", " + loss);
        }
        double lc = Math.log(compute);
        if (!points.isEmpty() && lc <= points.peekLast()[0]) {
            throw new IllegalArgumentException("SlopeMonitor: compute must increase, found " + compute
                    + " after " + Math.exp(points.peekLast()[0]));
        }
        points.addLast(new double[] {lc, Math.log(loss)});
        while (points.peekFirst()[0] < lc - window) {
            points.removeFirst();
            spanned = true;
        }
    }

    /** @return whether the points have covered a whole window (the first point has left it) */
    public boolean spanned() {
        return spanned;
    }

    /** @return d log L / d log C at the latest point, once the window holds enough points */
    public OptionalDouble slope() {
        int n = points.size();
        if (n < minPoints) {
            return OptionalDouble.empty();
        }
        // ln L = a + b·x + c·x² with x = ln C − ln C_latest, so b is the slope at the latest point
        double x0 = points.peekLast()[0];
        RealMatrix design = MatrixUtils.createRealMatrix(n, 3);
        RealVector y = new ArrayRealVector(n);
        int i = 0;
        for (double[] p : points) {
            double x = p[0] - x0;
            design.setRow(i, new double[] {1, x, x * x});
            y.setEntry(i++, p[1]);
        }
        DecompositionSolver ls = new QRDecomposition(design).getSolver();
        return ls.isNonSingular() ? OptionalDouble.of(ls.solve(y).getEntry(1)) : OptionalDouble.empty();
    }

    /**
     * @param tau a threshold τ (negative)
     * @return true once the curve is no steeper than τ: PRE-GROWTH for τ_G, OPTIMALITY for τ_opt (Eq. 8)
     */
    public boolean reached(double tau) {
        OptionalDouble s = slope();
        return s.isPresent() && s.getAsDouble() >= tau;
    }
}
