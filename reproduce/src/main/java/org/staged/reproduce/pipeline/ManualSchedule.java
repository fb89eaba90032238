package org.staged.reproduce.pipeline;

import java.util.List;
import java.util.Locale;
import org.staged.models.train.TrainLog;
import org.staged.schedule.LossCurveFit;
import org.staged.schedule.PracticalEstimator;

/**
 * The manual schedule of §6.1, chosen after the fact from finished curves: PRE-GROWTH where growing saves the
 * most compute on the fitted curves of the parent and the baseline, GROWTH-TARGET where the baseline's fitted
 * curve has the parent's loss at that point. (Algorithm 1's practical schedule runs online: see
 * {@code org.staged.run.StagedRun}.)
 */
final class ManualSchedule {
    private ManualSchedule() {
    }

    /**
     * @param parent      the curve grown from (an original, or an earlier stage)
     * @param baseline    the target trained from scratch
     * @param warmup      warmup steps, left out of the fits
     * @param scheduleEnd the schedule's last step
     * @return the growth point, PRE-GROWTH among the parent's rows (snapshots)
     */
    static Results.Point point(Results.Curve parent, Results.Curve baseline, long warmup, long scheduleEnd) {
        LossCurveFit fp = fit(parent, warmup);
        LossCurveFit fb = fit(baseline, warmup);
        TrainLog.Row pre = null;
        String how;
        try {
            double lStar = PracticalEstimator.largestSaving(fp, fb, Math.max(min(parent, warmup), min(baseline, warmup)),
                    Math.min(max(parent, warmup), max(baseline, warmup)));
            double c = fp.computeAt(lStar);
            for (TrainLog.Row r : after(parent, warmup)) {
                if (pre == null || Math.abs(Math.log(r.flops() / c)) < Math.abs(Math.log(pre.flops() / c))) {
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
        return new Results.Point(pre, parent.scheduleStep(pre), target, String.format(Locale.ROOT,
                "%s (loss %.3f); GROWTH-TARGET at equal loss on the baseline's fitted curve", how, pre.valLoss()));
    }

    private static List<TrainLog.Row> after(Results.Curve c, long warmup) {
        return c.rows().stream().filter(r -> c.scheduleStep(r) > warmup).toList();
    }

    private static LossCurveFit fit(Results.Curve c, long warmup) {
        List<TrainLog.Row> rows = after(c, warmup);
        return LossCurveFit.fit(rows.stream().mapToDouble(c::scheduleStep).toArray(),
                rows.stream().mapToDouble(TrainLog.Row::flops).toArray(),
                rows.stream().mapToDouble(TrainLog.Row::valLoss).toArray());
    }

    private static double min(Results.Curve c, long warmup) {
        return after(c, warmup).stream().mapToDouble(TrainLog.Row::valLoss).min().orElseThrow();
    }

    private static double max(Results.Curve c, long warmup) {
        return after(c, warmup).stream().mapToDouble(TrainLog.Row::valLoss).max().orElseThrow();
    }
}
