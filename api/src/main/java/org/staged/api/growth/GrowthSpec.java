package org.staged.api.growth;

import org.staged.api.LrSchedule;
import org.staged.api.TrainingState;

/**
 * How a grown state continues training: the target model's schedule, ρ of Eq. 9
 * (S_GROWTH-TARGET = ρ·S_PRE-GROWTH), and optionally a continuation that overrides the operator's own
 * (the LR-restart ablation of §6.3 works with any operator), and optionally a re-warmup: the authors'
 * released code scales the LR linearly from 0 back to the target schedule's value over 150–200 steps after
 * every growth, which the paper does not mention.
 *
 * @param target      the target model's learning-rate schedule
 * @param rho         ρ, positive
 * @param override    continuation to use instead of the operator's default, or null
 * @param rewarmSteps steps of LR re-warmup from the grown state's first step, 0 for none (the paper's recipe)
 */
public record GrowthSpec(LrSchedule target, double rho, ScheduleContinuation override, long rewarmSteps) {

    /** Validates the fields. */
    public GrowthSpec {
        if (target == null) {
            throw new IllegalArgumentException("GrowthSpec: target schedule must be set");
        }
        if (!(rho > 0) || !Double.isFinite(rho)) {
            throw new IllegalArgumentException("GrowthSpec: rho must be > 0, found " + rho);
        }
        if (rewarmSteps < 0) {
            throw new IllegalArgumentException("GrowthSpec: rewarmSteps must be >= 0, found " + rewarmSteps);
        }
    }

    /** A spec without re-warmup. */
    public GrowthSpec(LrSchedule target, double rho, ScheduleContinuation override) {
        this(target, rho, override, 0);
    }

    /**
     * @param target the target schedule
     * @param rho    ρ
     * @return a spec that follows each operator's own continuation
     */
    public static GrowthSpec of(LrSchedule target, double rho) {
        return new GrowthSpec(target, rho, null);
    }

    /**
     * Places a grown state on its schedule: at GROWTH-TARGET (step round(ρ·S), S the original's position;
     * Algorithm 1: t ← t·ρ), at a restart, or unchanged.
     *
     * @param original     the state before growth
     * @param grown        the state after growth, still on the original schedule
     * @param continuation the operator's continuation, used unless this spec overrides it
     * @return the grown state on its schedule, re-warmed from there if this spec asks
     */
    public TrainingState place(TrainingState original, TrainingState grown, ScheduleContinuation continuation) {
        ScheduleContinuation how = override != null ? override : continuation;
        return switch (how) {
            case GROWTH_TARGET -> rewarmed(grown, target, Math.round(rho * original.scheduleStep()));
            case RESTART -> rewarmed(grown, target, 0);
            case KEEP -> rewarmed(grown, grown.schedule(), grown.scheduleStep());
        };
    }

    private TrainingState rewarmed(TrainingState grown, LrSchedule schedule, long at) {
        return grown.withSchedule(schedule.withRewarm(at, rewarmSteps), at);
    }
}
