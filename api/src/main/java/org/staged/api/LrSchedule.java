package org.staged.api;

/**
 * Learning rate λ(t): linear warmup then decay to {@code minRatio·peak} at {@code totalSteps}, as in Kaplan
 * et al. (2020) (3,000 warmup steps at full scale, paper §6.1).
 *
 * <p>The LR is a pure function of the step, so a grown model can continue on another model's schedule at
 * any step: after growth, training resumes at step ρ·S_PRE-GROWTH of the target schedule (paper Eq. 9).
 *
 * @param peakLr      LR at the end of warmup
 * @param warmupSteps steps of linear warmup (0 for none)
 * @param totalSteps  step at which the decay reaches its floor; constant floor afterwards
 * @param decay       shape of the decay
 * @param minRatio    floor as a fraction of {@code peakLr}
 * @param rewarmAt    step from which a re-warmup scales the LR (see {@link #withRewarm}); ignored when
 *                    {@code rewarmSteps} is 0
 * @param rewarmSteps length of the re-warmup, 0 for none
 */
public record LrSchedule(double peakLr, long warmupSteps, long totalSteps, Decay decay, double minRatio,
                         long rewarmAt, long rewarmSteps) {

    /** Shape of the decay after warmup. */
    public enum Decay { COSINE, LINEAR, CONSTANT }

    /** Validates every field and names the offending one. */
    public LrSchedule {
        if (!(peakLr > 0) || !Double.isFinite(peakLr)) {
            throw new IllegalArgumentException("LrSchedule: peakLr must be > 0, found " + peakLr);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("LrSchedule: warmupSteps must be >= 0, found " + warmupSteps);
        }
        if (totalSteps < warmupSteps || totalSteps < 1) {
            throw new IllegalArgumentException("LrSchedule: totalSteps (" + totalSteps
                    + ") must be >= 1 and >= warmupSteps (" + warmupSteps + ")");
        }
        if (decay == null) {
            throw new IllegalArgumentException("LrSchedule: decay must be set");
        }
        if (!(minRatio >= 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("LrSchedule: minRatio must be in [0, 1], found " + minRatio);
        }
        if (rewarmAt < 0 || rewarmSteps < 0) {
            throw new IllegalArgumentException("LrSchedule: rewarmAt and rewarmSteps must be >= 0, found " + rewarmAt
                    + " and " + rewarmSteps);
        }
    }

    /** A schedule without re-warmup. */
    public LrSchedule(double peakLr, long warmupSteps, long totalSteps, Decay decay, double minRatio) {
        this(peakLr, warmupSteps, totalSteps, decay, minRatio, 0, 0);
    }

    /**
     * The same schedule, with the LR scaled linearly from 0 to its value over {@code steps} steps from
     * {@code at}: what the authors' released code does after every growth (150–200 steps; the paper does not
     * mention it).
     *
     * @param at    first step of the re-warmup (GROWTH-TARGET)
     * @param steps its length, 0 for none
     * @return the schedule with a re-warmup; this schedule when {@code steps} is 0
     */
    public LrSchedule withRewarm(long at, long steps) {
        return steps == 0 ? this : new LrSchedule(peakLr, warmupSteps, totalSteps, decay, minRatio, at, steps);
    }

    /**
     * The peak LR the authors gave a model of each size: 0.003239 − 0.0001395·log10(N), N its non-embedding
     * parameters (0.0020069 for their GPT2-LARGE, d 1,536 × 24 layers).
     *
     * @param nonEmbeddingParams N
     * @return the peak learning rate
     */
    public static double kaplanPeakLr(long nonEmbeddingParams) {
        if (nonEmbeddingParams <= 0) {
            throw new IllegalArgumentException("non-embedding parameters must be positive, found " + nonEmbeddingParams);
        }
        return 0.003239 - 0.0001395 * Math.log10(nonEmbeddingParams);
    }

    /** @return this schedule with another peak learning rate, at the same position and shape */
    public LrSchedule withPeakLr(double peak) {
        return new LrSchedule(peak, warmupSteps, totalSteps, decay, minRatio, rewarmAt, rewarmSteps);
    }

    /** @return warmup then cosine decay to 10% of the peak, the usual GPT-2 recipe */
    public static LrSchedule cosine(double peakLr, long warmupSteps, long totalSteps) {
        return new LrSchedule(peakLr, warmupSteps, totalSteps, Decay.COSINE, 0.1);
    }

    /**
     * The learning rate for the update made at {@code step} (0-based).
     *
     * @param step position on this schedule; may lie beyond {@code totalSteps}
     * @return λ(step)
     */
    public double lr(long step) {
        double lr = scheduled(step);
        if (rewarmSteps > 0 && step >= rewarmAt && step < rewarmAt + rewarmSteps) {
            lr *= (double) (step - rewarmAt + 1) / rewarmSteps;
        }
        return lr;
    }

    private double scheduled(long step) {
        if (step < warmupSteps) {
            return peakLr * (step + 1) / warmupSteps;
        }
        double floor = peakLr * minRatio;
        long span = totalSteps - warmupSteps;
        double progress = span == 0 ? 1.0 : Math.min(1.0, (double) (step - warmupSteps) / span);
        return switch (decay) {
            case CONSTANT -> peakLr;
            case LINEAR -> floor + (peakLr - floor) * (1 - progress);
            case COSINE -> floor + (peakLr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }
}
