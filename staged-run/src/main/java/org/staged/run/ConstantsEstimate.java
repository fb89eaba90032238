package org.staged.run;

import java.util.List;
import org.staged.models.train.TrainLog;
import org.staged.schedule.LossCurveFit;
import org.staged.schedule.PracticalEstimator;

/**
 * The practical schedule's constants for one growth, estimated from the logs of its two models trained from
 * scratch on the same schedule (the automation the paper left to future work; see {@link PracticalEstimator}):
 * τ_G where growing saves the most compute, ρ from the two curves at that loss, and τ_opt where the larger
 * curve meets their common tangent.
 *
 * @param tauGrowth τ_G, the smaller model's slope at PRE-GROWTH
 * @param rho       ρ = S_GROWTH-TARGET / S_PRE-GROWTH
 * @param tauOpt    τ_opt, or NaN when the curves have no common tangent
 * @param note      why τ_opt is missing, or empty
 */
public record ConstantsEstimate(double tauGrowth, double rho, double tauOpt, String note) {

    /**
     * @param original the smaller model's log (from scratch)
     * @param target   the larger model's log (from scratch, same schedule)
     * @param warmup   the schedule's warmup steps, left out of the fits
     * @return the estimate
     * @throws IllegalArgumentException when growing saves nothing in the range both logs cover
     */
    public static ConstantsEstimate from(List<TrainLog.Row> original, List<TrainLog.Row> target, long warmup) {
        List<TrainLog.Row> o = after(original, warmup);
        List<TrainLog.Row> t = after(target, warmup);
        LossCurveFit fo = fit(o);
        LossCurveFit ft = fit(t);
        double lo = Math.max(min(o), min(t));
        double hi = Math.min(max(o), max(t));
        double lStar = PracticalEstimator.largestSaving(fo, ft, lo, hi);
        double cPre = fo.computeAt(lStar);
        double rho = ft.stepsAt(ft.computeAt(lStar)) / fo.stepsAt(cPre);
        try {
            return new ConstantsEstimate(fo.slope(cPre), rho, PracticalEstimator.estimate(fo, ft, lo, hi).tauOpt(), "");
        } catch (IllegalArgumentException e) {   // no common tangent: τ_G and ρ still stand
            return new ConstantsEstimate(fo.slope(cPre), rho, Double.NaN, e.getMessage());
        }
    }

    private static List<TrainLog.Row> after(List<TrainLog.Row> rows, long warmup) {
        List<TrainLog.Row> out = rows.stream().filter(r -> r.step() > warmup).toList();
        if (out.size() < 4) {
            throw new IllegalArgumentException("a log with " + out.size() + " rows after warmup cannot be fitted");
        }
        return out;
    }

    private static LossCurveFit fit(List<TrainLog.Row> rows) {
        return LossCurveFit.fit(rows.stream().mapToDouble(TrainLog.Row::step).toArray(),
                rows.stream().mapToDouble(TrainLog.Row::flops).toArray(),
                rows.stream().mapToDouble(TrainLog.Row::valLoss).toArray());
    }

    private static double min(List<TrainLog.Row> rows) {
        return rows.stream().mapToDouble(TrainLog.Row::valLoss).min().orElseThrow();
    }

    private static double max(List<TrainLog.Row> rows) {
        return rows.stream().mapToDouble(TrainLog.Row::valLoss).max().orElseThrow();
    }
}
