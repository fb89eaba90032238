package org.staged.schedule;

import java.util.List;

/**
 * An optimal staged schedule: its stages, total compute, and the single-stage optimum it is compared with.
 *
 * @param law             the scaling law's name
 * @param targetLoss      L_target
 * @param stages          the stages, first to last
 * @param totalPfDays     compute of all stages, PF-days
 * @param singleStagePfDays compute of the optimal single-stage run to the same loss, PF-days
 */
public record ScheduleSolution(String law, double targetLoss, List<StageRecursion.Stage> stages, double totalPfDays,
                               double singleStagePfDays) {

    /** @return compute relative to the optimal single-stage run (Table 3's reduction factor) */
    public double reductionFactor() {
        return totalPfDays / singleStagePfDays;
    }
}
