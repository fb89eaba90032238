package org.staged.schedule;

/**
 * Hoffmann et al. (2022), approach 3: L(N, D) = E + A/N^α + B/D^β with N all parameters and D training
 * tokens; compute C = 6·N·D. Progress is counted in tokens.
 *
 * @param e     E, the irreducible loss
 * @param a     A
 * @param b     B
 * @param alpha α
 * @param beta  β
 */
public record ChinchillaLaw(double e, double a, double b, double alpha, double beta) implements ScalingLaw {

    /** The published fit. */
    public static final ChinchillaLaw APPROACH_3 = new ChinchillaLaw(1.69, 406.4, 410.7, 0.34, 0.28);

    @Override
    public String name() {
        return "chinchilla";
    }

    @Override
    public double floor(double n) {
        return e + a / Math.pow(n, alpha);
    }

    @Override
    public double loss(double n, double tokens) {
        return floor(n) + b / Math.pow(tokens, beta);
    }

    @Override
    public double progressToReach(double n, double loss) {
        double excess = loss - floor(n);
        return excess <= 0 ? Double.POSITIVE_INFINITY : Math.pow(b / excess, 1 / beta);
    }

    /** D = (B/(L − floor))^(1/β), so ∂D/∂L = −D/(β·(L − floor)). */
    @Override
    public double progressSlope(double n, double loss) {
        double excess = loss - floor(n);
        return -progressToReach(n, loss) / (beta * excess);
    }

    /** floor = E + A·N^(−α), so d floor/d ln N = −α·A·N^(−α). */
    @Override
    public double floorSlope(double n) {
        return -alpha * a / Math.pow(n, alpha);
    }

    @Override
    public double flops(double n, double tokens, double targetLoss) {
        return 6 * n * tokens;
    }

    @Override
    public double tokensPerUnit(double targetLoss) {
        return 1;
    }
}
