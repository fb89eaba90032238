package org.staged.eval.compute;

import java.util.List;

/**
 * Whether a grown model trains like its target trained from scratch (paper Eq. 2, Figure 2): the log-log
 * slope d log L / d log C of the grown model over its first k validation points after growth, against the
 * target's slope where the target had the same loss, over the same compute.
 *
 * <p>Compute is measured on the target's axis: the grown model's growth point is placed where the target
 * from scratch had the grown model's loss, and each later point that much compute further. A log-log slope
 * depends on where compute starts, and the grown model got to its loss with less compute (the saving), so
 * this is what makes a preserved trajectory give a ratio of 1 whatever the growth saved. Below 1, the grown
 * model learns more slowly than the target did at the same loss; above 1, faster.
 */
public final class DynamicsProbe {
    private DynamicsProbe() {
    }

    /**
     * @param lossAfter   the grown model's loss before its first step
     * @param lossLater   its loss k validation points later
     * @param targetLater the target's loss the same compute after it had {@code lossAfter}
     * @param slopeGrown  d log L / d log C of the grown model over those points
     * @param slopeTarget the target's slope over the same stretch of its own curve
     */
    public record Result(double lossAfter, double lossLater, double targetLater, double slopeGrown,
                         double slopeTarget) {
        /** @return the dynamics ratio: 1 when growth preserved the training dynamics */
        public double ratio() {
            return slopeGrown / slopeTarget;
        }
    }

    /**
     * @param growthCompute cumulative compute at growth
     * @param lossAfter     the grown model's loss before its first step
     * @param grown         the grown model's validation points after growth, in increasing compute
     * @param target        the target trained from scratch, in increasing compute
     * @param k             validation points after growth to measure over
     * @return the slopes; NaN fields when the target never had the grown model's loss or ends too soon
     * @throws IllegalArgumentException when fewer than {@code k} points follow the growth
     */
    public static Result measure(double growthCompute, double lossAfter, List<Savings.Point> grown,
                                 List<Savings.Point> target, int k) {
        if (k < 1 || grown.size() < k) {
            throw new IllegalArgumentException("dynamics probe: needs " + k + " points after growth, found "
                    + grown.size());
        }
        double nan = Double.NaN;
        var start = Savings.crossing(lossAfter, target, Savings.Direction.LOWER_IS_BETTER);
        if (start.isEmpty() || !(target.get(0).value() > lossAfter)) {   // no crossing inside the target's curve
            return new Result(lossAfter, grown.get(k - 1).value(), nan, nan, nan);
        }
        double[] x = new double[k + 1];
        double[] yg = new double[k + 1];
        double[] yt = new double[k + 1];
        x[0] = start.getAsDouble();
        yg[0] = lossAfter;
        yt[0] = lossAfter;
        for (int i = 1; i <= k; i++) {
            Savings.Point p = grown.get(i - 1);
            x[i] = x[0] + (p.compute() - growthCompute);
            yg[i] = p.value();
            yt[i] = interpolate(target, x[i]);
        }
        return new Result(lossAfter, yg[k], yt[k], slope(x, yg), slope(x, yt));
    }

    /**
     * @param curve   points in increasing compute
     * @param compute where to read it
     * @return the value at {@code compute}, linear in log-log between neighbours; NaN outside the curve
     */
    public static double interpolate(List<Savings.Point> curve, double compute) {
        for (int i = 1; i < curve.size(); i++) {
            Savings.Point a = curve.get(i - 1);
            Savings.Point b = curve.get(i);
            if (compute >= a.compute() && compute <= b.compute()) {
                double t = Math.log(compute / a.compute()) / Math.log(b.compute() / a.compute());
                return Math.exp(Math.log(a.value()) + t * Math.log(b.value() / a.value()));
            }
        }
        return Double.NaN;
    }

    /** Least-squares slope of log y against log x. */
    static double slope(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += Math.log(x[i]) / n;
            my += Math.log(y[i]) / n;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = Math.log(x[i]) - mx;
            sxy += dx * (Math.log(y[i]) - my);
            sxx += dx * dx;
        }
        return sxy / sxx;
    }
}
