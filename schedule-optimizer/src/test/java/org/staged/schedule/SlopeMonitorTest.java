package org.staged.schedule;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.SplittableRandom;
import org.testng.annotations.Test;

public class SlopeMonitorTest {
    private static final KaplanLaw LAW = KaplanLaw.TABLE_5;
    private static final double N = 5e7;

    /** Exact slope of the law's curve for one model: d ln L / d ln C = d ln L / d ln S = −α_S·(L − floor)/L. */
    private static double trueSlope(double steps) {
        double l = LAW.loss(N, steps);
        return -LAW.alphaS() * (l - LAW.floor(N)) / l;
    }

    @Test
    public void estimatesTheSlopeAtTheLatestPointOfANoisyCurve() {
        SlopeMonitor m = new SlopeMonitor();
        SplittableRandom rng = new SplittableRandom(3);
        double s = 0;
        for (int i = 1; i <= 400; i++) {
            s = 100.0 * Math.pow(1.02, i);
            double noisy = LAW.loss(N, s) * (1 + 0.003 * rng.nextGaussian());
            m.add(LAW.flops(N, s, 3.0), noisy);
        }
        assertEquals(m.slope().getAsDouble(), trueSlope(s), 0.01);
    }

    /**
     * L = E + A·S^−α logged every 10 steps, as a training log is: the instantaneous slope −α·A·S^−α / L
     * crosses τ at S* = (|τ|·E / (A·(α − |τ|)))^(−1/α), and the monitor fires at the first logged point
     * after it. (A straight-line fit over the last doubling would fire near √2·S*.)
     */
    @Test
    public void firesAtTheKnownCrossingOfASyntheticCurve() {
        double e = 3.0;
        double a = 9.0;
        double alpha = 0.35;
        for (double tau : new double[] {-0.0575, -0.0475, -0.03}) {
            double crossing = Math.pow(-tau * e / (a * (alpha + tau)), -1 / alpha);
            for (double noise : new double[] {0, 0.001}) {
                SlopeMonitor m = new SlopeMonitor();
                SplittableRandom rng = new SplittableRandom(7);
                double fired = Double.NaN;
                for (long step = 10; step <= 100 * Math.round(crossing) && Double.isNaN(fired); step += 10) {
                    double loss = (e + a * Math.pow(step, -alpha)) * (1 + noise * rng.nextGaussian());
                    m.add(step, loss);
                    if (m.reached(tau)) {
                        fired = step;
                    }
                }
                double ratio = fired / crossing;
                double tolerance = noise == 0 ? 0.04 : 0.15;
                assertTrue(Math.abs(ratio - 1) < tolerance + 10 / crossing, "τ " + tau + ", noise " + noise
                        + ": fired at step " + fired + ", true crossing at " + crossing);
            }
        }
    }

    @Test
    public void appendixDConstantsAndErrors() {
        PracticalConstants d = PracticalConstants.APPENDIX_D;
        assertEquals(d.rho("depth"), 0.70);
        assertEquals(1 / d.rho("depth"), 1.4286, 1e-4);   // the authors' code stores ≈ 1.412-1.43
        assertEquals(d.tauGrowth("width,depth"), -0.03);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> d.rho("tile"));
        assertTrue(e.getMessage().contains("depth"), e.getMessage());
        expectThrows(IllegalArgumentException.class, () -> new SlopeMonitor(0, 3));
        expectThrows(IllegalArgumentException.class, () -> new SlopeMonitor(1, 2));
        SlopeMonitor m = new SlopeMonitor(1, 3);
        m.add(1, 3);
        expectThrows(IllegalArgumentException.class, () -> m.add(1, 2.9));
    }
}
