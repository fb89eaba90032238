package org.staged.schedule;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalDouble;

/**
 * An online estimate of the training efficiency ∂L/∂C in the paper's log-log sense, d log L / d log C
 * (§5, Figure 6), from a noisy stream of (compute, loss) points: the least-squares slope of log L on log C
 * over the points within a window of the latest one in log C. Algorithm 1 trains while the slope is
 * steeper than τ and moves on (grow, or stop at OPTIMALITY) once it is not.
 */
public final class SlopeMonitor {
    private final double window;              // width of the fitting window in ln C
    private final int minPoints;
    private final Deque<double[]> points = new ArrayDeque<>();   // {ln C, ln L}

    /**
     * @param logComputeWindow fitting window in ln C (ln 2: the last doubling of compute)
     * @param minPoints        points needed before a slope is reported
     */
    public SlopeMonitor(double logComputeWindow, int minPoints) {
        if (!(logComputeWindow > 0) || minPoints < 2) {
            throw new IllegalArgumentException("SlopeMonitor: window must be > 0 and minPoints >= 2, found "
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
        }
    }

    /** @return d log L / d log C over the window, once it holds enough points */
    public OptionalDouble slope() {
        int n = points.size();
        if (n < minPoints) {
            return OptionalDouble.empty();
        }
        double sx = 0;
        double sy = 0;
        for (double[] p : points) {
            sx += p[0];
            sy += p[1];
        }
        double mx = sx / n;
        double my = sy / n;
        double sxy = 0;
        double sxx = 0;
        for (double[] p : points) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
        }
        return sxx == 0 ? OptionalDouble.empty() : OptionalDouble.of(sxy / sxx);
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
