package org.staged.reproduce.pipeline;

import java.util.List;
import org.staged.models.train.TrainLog;
import org.staged.schedule.LossCurveFit;
import org.staged.schedule.PracticalEstimator;
import org.staged.schedule.SlopeMonitor;

/**
 * Where a run grows (PRE-GROWTH, on its parent's curve) and where the grown model continues (GROWTH-TARGET,
 * a step of the target's schedule), by the manual schedule of §6.1 or Algorithm 1's practical one (§5).
 * Slopes are d log L / d log S along the target's schedule, which for a model trained from scratch is
 * d log L / d log C (Eq. 8) and for a grown model follows the target curve it was grown onto.
 */
public final class GrowthPoints {
    /** Fitting window of the slope monitor: the last doubling of steps. */
    static final double SLOPE_WINDOW = Math.log(2);
    /** Points the slope monitor needs before it reports. */
    static final int SLOPE_POINTS = 4;

    private GrowthPoints() {
    }

    /** A logged run on the target's schedule: its rows and the schedule step it started at. */
    public record Curve(List<TrainLog.Row> rows, long scheduleStart) {
        /** @return a row's step on the target's schedule */
        public long scheduleStep(TrainLog.Row r) {
            return scheduleStart + r.step();
        }

        /** @return the last row */
        public TrainLog.Row last() {
            return rows.get(rows.size() - 1);
        }
    }

    /**
     * A chosen growth.
     *
     * @param preGrowth         the parent's log row (and snapshot) to grow from
     * @param preGrowthSchedule its step on the target's schedule
     * @param growthTarget      the target schedule's step the grown model continues from
     * @param how               how the point was chosen, for the report
     */
    public record Point(TrainLog.Row preGrowth, long preGrowthSchedule, long growthTarget, String how) {
        /** @return ρ = S_GROWTH-TARGET / S_PRE-GROWTH */
        public double rho() {
            return (double) growthTarget / preGrowthSchedule;
        }
    }

    /** τ_G, ρ and τ_opt for one kind of growth, and where they come from. */
    public record Constants(double tauGrowth, double rho, double tauOpt, String source) {
    }

    /**
     * The manual schedule: PRE-GROWTH where growing saves the most compute on the fitted curves of parent and
     * baseline; GROWTH-TARGET where the baseline's fitted curve has the parent's loss at that point.
     */
    static Point manual(Curve parent, Curve baseline, long warmup, long scheduleEnd) {
        LossCurveFit fp = fit(parent, warmup);
        LossCurveFit fb = fit(baseline, warmup);
        TrainLog.Row pre = null;
        String how;
        try {
            double lStar = PracticalEstimator.largestSaving(fp, fb, lossLow(parent, baseline, warmup),
                    lossHigh(parent, baseline, warmup));
            double c = fp.computeAt(lStar);
            for (TrainLog.Row r : parent.rows()) {
                if (parent.scheduleStep(r) > warmup && (pre == null
                        || Math.abs(Math.log(r.flops() / c)) < Math.abs(Math.log(pre.flops() / c)))) {
                    pre = r;
                }
            }
            how = "largest saving on the fitted curves";
        } catch (IllegalArgumentException e) {
            how = "no saving on the fitted curves (" + e.getMessage() + "): grown at the end of the parent's budget";
        }
        if (pre == null) {
            pre = parent.last();
        }
        long target = Math.round(fb.stepsAt(fb.computeAt(pre.valLoss())));
        target = Math.max(1, Math.min(scheduleEnd - 1, target));
        return new Point(pre, parent.scheduleStep(pre), target, String.format(java.util.Locale.ROOT,
                "%s (loss %.3f); GROWTH-TARGET at equal loss on the baseline's fitted curve", how, pre.valLoss()));
    }

    /** Algorithm 1: PRE-GROWTH at the first point whose slope is no steeper than τ_G; GROWTH-TARGET = ρ·S (Eq. 9). */
    static Point practical(Curve parent, Constants c, long warmup, long scheduleEnd) {
        TrainLog.Row pre = firstReaching(parent, c.tauGrowth(), warmup);
        String how = String.format(java.util.Locale.ROOT, "slope reached τ_G = %.4f; ρ = %.3f", c.tauGrowth(), c.rho());
        if (pre == null) {
            pre = parent.last();
            how = String.format(java.util.Locale.ROOT, "slope never reached τ_G = %.4f: grown at the end of the "
                    + "parent's budget; ρ = %.3f", c.tauGrowth(), c.rho());
        }
        long s = parent.scheduleStep(pre);
        long target = Math.max(1, Math.min(scheduleEnd - 1, Math.round(c.rho() * s)));
        return new Point(pre, s, target, how);
    }

    /** @return the first row after warmup at which the log-log slope is no steeper than τ, or null */
    public static TrainLog.Row firstReaching(Curve curve, double tau, long warmup) {
        SlopeMonitor m = new SlopeMonitor(SLOPE_WINDOW, SLOPE_POINTS);
        for (TrainLog.Row r : curve.rows()) {
            m.add(curve.scheduleStep(r), r.valLoss());
            if (curve.scheduleStep(r) > warmup && m.reached(tau)) {
                return r;
            }
        }
        return null;
    }

    /**
     * Estimates τ_G, ρ and τ_opt from an original model's curve and its target's (the automation the paper
     * left to future work; see {@link PracticalEstimator}).
     */
    static Constants estimate(Curve original, Curve baseline, long warmup, double paperTauOpt) {
        LossCurveFit fo = fit(original, warmup);
        LossCurveFit fb = fit(baseline, warmup);
        double lo = lossLow(original, baseline, warmup);
        double hi = lossHigh(original, baseline, warmup);
        double lStar = PracticalEstimator.largestSaving(fo, fb, lo, hi);
        double cPre = fo.computeAt(lStar);
        double rho = fb.stepsAt(fb.computeAt(lStar)) / fo.stepsAt(cPre);
        try {
            return new Constants(fo.slope(cPre), rho, PracticalEstimator.estimate(fo, fb, lo, hi).tauOpt(),
                    "estimated from this preset's curves");
        } catch (IllegalArgumentException e) {   // the curves have no common tangent: τ_G and ρ still stand
            return new Constants(fo.slope(cPre), rho, paperTauOpt, "estimated from this preset's curves (τ_opt: "
                    + "Appendix D, " + e.getMessage() + ")");
        }
    }

    private static LossCurveFit fit(Curve c, long warmup) {
        List<TrainLog.Row> rows = c.rows().stream().filter(r -> c.scheduleStep(r) > warmup).toList();
        double[] steps = rows.stream().mapToDouble(c::scheduleStep).toArray();
        double[] compute = rows.stream().mapToDouble(TrainLog.Row::flops).toArray();
        double[] loss = rows.stream().mapToDouble(TrainLog.Row::valLoss).toArray();
        return LossCurveFit.fit(steps, compute, loss);
    }

    private static double lossLow(Curve a, Curve b, long warmup) {
        return Math.max(min(a, warmup), min(b, warmup));
    }

    private static double lossHigh(Curve a, Curve b, long warmup) {
        return Math.min(max(a, warmup), max(b, warmup));
    }

    private static double min(Curve c, long warmup) {
        return c.rows().stream().filter(r -> c.scheduleStep(r) > warmup).mapToDouble(TrainLog.Row::valLoss).min()
                .orElseThrow();
    }

    private static double max(Curve c, long warmup) {
        return c.rows().stream().filter(r -> c.scheduleStep(r) > warmup).mapToDouble(TrainLog.Row::valLoss).max()
                .orElseThrow();
    }
}
