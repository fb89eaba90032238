package org.staged.api.growth;

/** Where the learning-rate schedule continues after growth (paper §3.3, Eq. 9; §6.3 ablation). */
public enum ScheduleContinuation {
    /** Jump to GROWTH-TARGET: step ρ·S_PRE-GROWTH of the target model's schedule. */
    GROWTH_TARGET,
    /** Restart the target schedule at step 0, warmup included (Rae et al. 2021; Gu et al. 2021). */
    RESTART,
    /** Keep the original schedule and position (Gong et al. 2019 keep the learning rate). */
    KEEP
}
