package org.staged.schedule;

/**
 * A loss law L(N, P) for a model of N parameters after P units of training progress (optimizer steps for
 * Kaplan et al., tokens for Chinchilla), with the compute that progress costs. The staged recursion of
 * Appendix C needs only these functions; progress depends on the loss only through its excess over the
 * floor, L − floor(N).
 */
public interface ScalingLaw {
    /** @return a short name ({@code kaplan}, {@code chinchilla}) */
    String name();

    /**
     * @param n parameters
     * @return the loss reached with unlimited progress: the part of L that P cannot reduce
     */
    double floor(double n);

    /**
     * @param n        parameters
     * @param progress training progress from scratch (&gt; 0)
     * @return the loss
     */
    double loss(double n, double progress);

    /**
     * The progress a model of {@code n} parameters needs from scratch to reach {@code loss}: the inverse of
     * {@link #loss} in P. Appendix C's S_eff,k.
     *
     * @param n    parameters
     * @param loss a loss above {@link #floor}(n)
     * @return the progress, +∞ when {@code loss} is at or below the floor
     */
    double progressToReach(double n, double loss);

    /**
     * ∂P/∂L of {@link #progressToReach}: how much more progress a slightly lower loss needs (negative).
     *
     * @param n    parameters
     * @param loss a loss above the floor
     * @return the derivative
     */
    double progressSlope(double n, double loss);

    /**
     * @param n parameters
     * @return d floor / d ln N (negative: larger models have lower floors)
     */
    double floorSlope(double n);

    /**
     * FLOPs of training; proportional to n·progress for a fixed target loss (the schedule solver relies on it).
     *
     * @param n          parameters
     * @param progress   progress units trained
     * @param targetLoss the run's target loss (Kaplan trains at the critical batch size of the target)
     * @return FLOPs spent
     */
    double flops(double n, double progress, double targetLoss);

    /**
     * @param targetLoss the run's target loss
     * @return tokens per progress unit (the batch size in tokens for a step-based law, 1 for tokens)
     */
    double tokensPerUnit(double targetLoss);
}
