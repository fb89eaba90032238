package org.staged.run;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.staged.models.train.TrainLog;
import org.staged.schedule.SlopeMonitor;

/**
 * Algorithm 1's test at each log row of one stage: has the slope d log L / d log S, against the position S
 * on the schedule, reached τ? For a model trained from scratch that is d log L / d log C (Eq. 8); a grown
 * model continues on the target's curve from GROWTH-TARGET. Rows before warmup, or within a re-warmup after
 * growth, are not watched. A model from scratch must first have been watched over a whole window: right
 * after warmup it may still be leaving its initial plateau, where the curve is flat without having slowed.
 */
public final class SlopeRule implements Predicate<TrainLog.Row> {
    private final SlopeMonitor monitor = new SlopeMonitor();
    private final int stage;
    private final long startStep;
    private final long scheduleStart;
    private final double tau;
    private final long warmup;
    private final long quietSteps;
    private final boolean fromScratch;
    private double slope = Double.NaN;

    /**
     * @param stage         the stage whose rows are watched (others are ignored)
     * @param startStep     the run's step where the stage began
     * @param scheduleStart its position on the schedule there
     * @param tau           τ (NaN: never reached)
     * @param warmup        the schedule's warmup steps
     * @param quietSteps    steps after the stage's start not watched (a re-warmup)
     * @param fromScratch   whether the stage trains a model from scratch
     */
    public SlopeRule(int stage, long startStep, long scheduleStart, double tau, long warmup, long quietSteps,
                     boolean fromScratch) {
        this.stage = stage;
        this.startStep = startStep;
        this.scheduleStart = scheduleStart;
        this.tau = tau;
        this.warmup = warmup;
        this.quietSteps = quietSteps;
        this.fromScratch = fromScratch;
    }

    /**
     * The first row of a model trained from scratch (stage 1, from step 0) at which the slope reaches τ.
     *
     * @param rows   its log
     * @param tau    τ
     * @param warmup the schedule's warmup steps
     * @return that row, if any
     */
    public static Optional<TrainLog.Row> firstCrossing(List<TrainLog.Row> rows, double tau, long warmup) {
        SlopeRule rule = new SlopeRule(1, 0, 0, tau, warmup, 0, true);
        return rows.stream().filter(rule).findFirst();
    }

    /** Watches a row logged before the checkpoint a resumed stage starts from, without testing it. */
    public void replay(TrainLog.Row r) {
        observe(r);
    }

    /** Watches a row and tests it. */
    @Override
    public boolean test(TrainLog.Row r) {
        return observe(r) && !Double.isNaN(tau) && (!fromScratch || monitor.spanned()) && monitor.reached(tau);
    }

    /** @return the slope after the last row watched (NaN before the monitor has one) */
    public double slope() {
        return slope;
    }

    /** @return whether the row belongs to this stage */
    private boolean observe(TrainLog.Row r) {
        if (r.stage() != stage) {
            return false;
        }
        long position = scheduleStart + r.step() - startStep;
        if (position > warmup && r.step() - startStep > quietSteps) {
            monitor.add(position, r.valLoss());
            slope = monitor.slope().orElse(Double.NaN);
        }
        return true;
    }
}
