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
    public void estimatesTheSlopeOfANoisyCurve() {
        SlopeMonitor m = new SlopeMonitor(Math.log(2), 5);
        SplittableRandom rng = new SplittableRandom(3);
        double s = 0;
        for (int i = 1; i <= 400; i++) {
            s = 100.0 * Math.pow(1.02, i);
            double noisy = LAW.loss(N, s) * (1 + 0.003 * rng.nextGaussian());
            m.add(LAW.flops(N, s, 3.0), noisy);
        }
        // the fit is centred half a window back
        double centre = s / Math.sqrt(2);
        assertEquals(m.slope().getAsDouble(), trueSlope(centre), 0.01);
    }

    @Test
    public void firesNearTheTrueCrossingOfTauOpt() {
        double tau = PracticalConstants.APPENDIX_D.tauOpt();
        SlopeMonitor m = new SlopeMonitor(Math.log(1.5), 5);
        SplittableRandom rng = new SplittableRandom(4);
        double fired = Double.NaN;
        double crossed = Double.NaN;
        for (int i = 1; i <= 2000 && Double.isNaN(fired); i++) {
            double s = 100.0 * Math.pow(1.01, i);
            if (Double.isNaN(crossed) && trueSlope(s) >= tau) {
                crossed = s;
            }
            m.add(LAW.flops(N, s, 3.0), LAW.loss(N, s) * (1 + 0.002 * rng.nextGaussian()));
            if (m.reached(tau)) {
                fired = s;
            }
        }
        assertFalse(Double.isNaN(fired), "never fired");
        double ratio = fired / crossed;
        assertTrue(ratio > 0.8 && ratio < 1.6, "fired at " + fired + " steps, true crossing " + crossed);
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
        SlopeMonitor m = new SlopeMonitor(1, 2);
        m.add(1, 3);
        expectThrows(IllegalArgumentException.class, () -> m.add(1, 2.9));
    }
}
