package org.staged.schedule;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.SplittableRandom;
import org.testng.annotations.Test;

public class PracticalEstimatorTest {
    private static final KaplanLaw LAW = KaplanLaw.TABLE_5;
    private static final double TARGET_LOSS = 3.0;

    /** The law's curve of one size in the fitted form: e = floor(N), α = α_S, k from L = f + (2S_c·6NB/C)^α_S. */
    private static LossCurveFit exact(double n) {
        double perStep = LAW.flops(n, 1, TARGET_LOSS);
        return new LossCurveFit(LAW.floor(n), Math.pow(2 * LAW.sc() * perStep, LAW.alphaS()), LAW.alphaS(), perStep);
    }

    /** Logged points of one size: 60 evaluations from 200 steps on, with multiplicative noise. */
    private static double[][] log(double n, double noise, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] out = new double[3][60];
        for (int i = 0; i < 60; i++) {
            double s = 200 * Math.pow(1.1, i);
            out[0][i] = s;
            out[1][i] = LAW.flops(n, s, TARGET_LOSS);
            out[2][i] = LAW.loss(n, s) * (1 + noise * rng.nextGaussian());
        }
        return out;
    }

    @Test
    public void fitRecoversTheLawsCurve() {
        double[][] l = log(3e7, 0.0, 1);
        LossCurveFit f = LossCurveFit.fit(l[0], l[1], l[2]);
        LossCurveFit x = exact(3e7);
        assertEquals(f.alpha(), x.alpha(), 1e-6);
        assertEquals(f.e(), x.e(), 1e-6);
        assertEquals(f.computePerStep(), x.computePerStep(), 1e-6 * x.computePerStep());
    }

    @Test
    public void exactCurvesGiveTheLawsOptimalitySlope() {
        PracticalEstimator.Estimate e = PracticalEstimator.estimate(exact(2.5e7), exact(1e8), 3.2, 6.0);
        // on the frontier (L − floor)/L = α_N/(α_N + α_S), so the slope is −α_N·α_S/(α_N + α_S)
        double expected = -LAW.alphaN() * LAW.alphaS() / (LAW.alphaN() + LAW.alphaS());
        assertEquals(e.tauOpt(), expected, 1e-6);
        assertTrue(e.computeSaved() > 0);
        assertEquals(e.growthTarget().loss(), e.preGrowth().loss(), 1e-12);
        assertTrue(e.rho() > 0 && e.rho() < 1, "the grown model jumps back on the target's schedule: " + e.rho());
        assertTrue(e.tauGrowth() < 0 && e.tauGrowth() > -LAW.alphaS());
    }

    @Test
    public void noisyLogsRecoverTheConstants() {
        PracticalEstimator.Estimate truth = PracticalEstimator.estimate(exact(2.5e7), exact(1e8), 3.2, 6.0);
        double[][] o = log(2.5e7, 0.003, 2);
        double[][] t = log(1e8, 0.003, 3);
        PracticalEstimator.Estimate e = PracticalEstimator.estimate(LossCurveFit.fit(o[0], o[1], o[2]),
                LossCurveFit.fit(t[0], t[1], t[2]), 3.2, 6.0);
        assertEquals(e.tauGrowth(), truth.tauGrowth(), 0.005);
        assertEquals(e.tauOpt(), truth.tauOpt(), 0.005);
        assertEquals(e.rho(), truth.rho(), 0.1 * truth.rho());
        assertEquals(e.preGrowth().loss(), truth.preGrowth().loss(), 0.05);
    }

    @Test
    public void aTargetThatIsNeverBehindIsAnError() {
        IllegalArgumentException ex = expectThrows(IllegalArgumentException.class,
                () -> PracticalEstimator.estimate(exact(1e8), exact(2.5e7), 3.5, 6.0));
        assertTrue(ex.getMessage().contains("saves no compute"), ex.getMessage());
        expectThrows(IllegalArgumentException.class, () -> LossCurveFit.fit(new double[3], new double[3], new double[3]));
    }

    @Test
    public void curvesWithoutACommonTangentAreAnErrorNotANumber() {
        // a fit with a negative floor (noisy short logs give them) has no point of slope σ: no OPTIMALITY
        LossCurveFit original = new LossCurveFit(-0.1, 5, 0.3, 1);
        LossCurveFit target = new LossCurveFit(-0.1, 8, 0.3, 2);
        assertTrue(PracticalEstimator.largestSaving(original, target, 2, 4) > 0);
        IllegalArgumentException ex = expectThrows(IllegalArgumentException.class,
                () -> PracticalEstimator.estimate(original, target, 2, 4));
        assertTrue(ex.getMessage().contains("no common tangent"), ex.getMessage());
    }
}
