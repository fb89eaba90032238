package org.staged.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * The multi-stage recursion of Appendix C: stage 1 trains N_1 from scratch for P_1; stage k starts where
 * stage k−1 ended, at the progress P_eff,k that a model of N_k would need to reach L_{k−1} from scratch, and
 * trains P_k more: L_k = L(N_k, P_eff,k + P_k). Growth is assumed perfect (loss- and dynamics-preserving).
 */
public final class StageRecursion {
    /** Compute unit of the paper's tables: one petaflop/s-day. */
    public static final double PF_DAY = 8.64e19;

    private StageRecursion() {
    }

    /** One stage of a schedule. */
    public record Stage(double params, double progress, double cumulativeProgress, double loss, double pfDays) {
    }

    /**
     * Evaluates the recursion.
     *
     * @param law        the scaling law
     * @param params     N_k per stage
     * @param progress   P_k per stage (steps or tokens trained in that stage)
     * @param targetLoss the target loss (sets the batch size of step-based laws)
     * @return one {@link Stage} per stage
     */
    public static List<Stage> evaluate(ScalingLaw law, double[] params, double[] progress, double targetLoss) {
        List<Stage> out = new ArrayList<>();
        double loss = Double.NaN;
        double cumulative = 0;
        for (int k = 0; k < params.length; k++) {
            double eff = k == 0 ? 0 : law.progressToReach(params[k], loss);
            loss = law.loss(params[k], eff + progress[k]);
            cumulative += progress[k];
            out.add(new Stage(params[k], progress[k], cumulative, loss,
                    law.flops(params[k], progress[k], targetLoss) / PF_DAY));
        }
        return out;
    }

    /** @return the loss at the end of the last stage */
    public static double finalLoss(ScalingLaw law, double[] params, double[] progress) {
        double loss = Double.NaN;
        for (int k = 0; k < params.length; k++) {
            double eff = k == 0 ? 0 : law.progressToReach(params[k], loss);
            loss = law.loss(params[k], eff + progress[k]);
        }
        return loss;
    }
}
