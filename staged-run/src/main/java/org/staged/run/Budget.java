package org.staged.run;

import org.staged.schedule.StageRecursion;

/**
 * How much a staged run may spend in all, over every stage: steps, tokens and PF-days, whichever runs out
 * first. A null limit does not apply.
 *
 * @param steps  optimizer steps
 * @param tokens training tokens
 * @param pfDays compute in petaflop/s-days (8.64e19 FLOPs each)
 */
public record Budget(Long steps, Long tokens, Double pfDays) {
    /** No limit: the run ends at OPTIMALITY or where the schedule ends. */
    public static final Budget NONE = new Budget(null, null, null);

    /** Validates the limits. */
    public Budget {
        if (steps != null && steps < 1 || tokens != null && tokens < 1 || pfDays != null && !(pfDays > 0)) {
            throw new IllegalArgumentException("budget: steps, tokens and PF-days must be positive, found " + steps
                    + ", " + tokens + ", " + pfDays);
        }
    }

    /**
     * @param step          steps done so far
     * @param tokens        tokens consumed so far
     * @param flops         FLOPs spent so far
     * @param tokensPerStep tokens of one step
     * @param flopsPerStep  FLOPs of one step of the current stage's model
     * @return how many more steps the budget allows (Long.MAX_VALUE without limits)
     */
    public long stepsLeft(long step, long tokens, double flops, long tokensPerStep, double flopsPerStep) {
        long left = Long.MAX_VALUE;
        if (steps != null) {
            left = Math.min(left, steps - step);
        }
        if (this.tokens != null) {
            left = Math.min(left, (this.tokens - tokens) / tokensPerStep);
        }
        if (pfDays != null) {
            left = Math.min(left, (long) Math.floor((pfDays * StageRecursion.PF_DAY - flops) / flopsPerStep));
        }
        return Math.max(0, left);
    }

    /** @return the limits in words, e.g. {@code 2000 steps, 0.001 PF-days} */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (steps != null) {
            b.append(steps).append(" steps");
        }
        if (tokens != null) {
            b.append(b.isEmpty() ? "" : ", ").append(tokens).append(" tokens");
        }
        if (pfDays != null) {
            b.append(b.isEmpty() ? "" : ", ").append(pfDays).append(" PF-days");
        }
        return b.isEmpty() ? "none" : b.toString();
    }
}
