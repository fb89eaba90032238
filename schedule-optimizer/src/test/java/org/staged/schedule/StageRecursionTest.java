package org.staged.schedule;

import static org.testng.Assert.assertEquals;

import java.util.List;
import org.testng.annotations.Test;

public class StageRecursionTest {
    @Test
    public void recursionMatchesAHandComputedStage() {
        // stage 1 of Table 4 by hand: L = (8.8e13/2.7e6)^0.076 + (2.1e3/(15.4e3/2))^0.76
        KaplanLaw k = KaplanLaw.TABLE_5;
        double l1 = Math.pow(8.8e13 / 2.7e6, 0.076) + Math.pow(2.1e3 / 7.7e3, 0.76);
        List<StageRecursion.Stage> s = StageRecursion.evaluate(k, new double[] {2.7e6, 22.1e6}, new double[] {15.4e3, 8.9e3}, 3.0);
        assertEquals(s.get(0).loss(), l1, 1e-12);
        // stage 2 starts where a 22.1M model would be at loss l1
        double floor2 = Math.pow(8.8e13 / 22.1e6, 0.076);
        double sEff = 2 * 2.1e3 / Math.pow(l1 - floor2, 1 / 0.76);
        assertEquals(s.get(1).loss(), k.loss(22.1e6, sEff + 8.9e3), 1e-12);
        assertEquals(s.get(1).cumulativeProgress(), 24.3e3, 1e-9);
        double batch = 2.1e8 / Math.pow(3.0, 1 / 0.21);
        assertEquals(s.get(1).pfDays(), 6 * 22.1e6 * batch * 8.9e3 / 8.64e19, 1e-15);
    }

    @Test
    public void progressToReachInvertsLoss() {
        for (ScalingLaw law : new ScalingLaw[] {KaplanLaw.TABLE_5, ChinchillaLaw.APPROACH_3}) {
            double n = 5e7;
            double p = law.progressToReach(n, law.floor(n) + 0.4);
            assertEquals(law.loss(n, p), law.floor(n) + 0.4, 1e-12, law.name());
        }
    }

    @Test
    public void derivativesMatchFiniteDifferences() {
        for (ScalingLaw law : new ScalingLaw[] {KaplanLaw.TABLE_5, ChinchillaLaw.APPROACH_3}) {
            double n = 3e7;
            double l = law.floor(n) + 0.3;
            double h = 1e-6;
            double dl = (law.progressToReach(n, l + h) - law.progressToReach(n, l - h)) / (2 * h);
            assertEquals(law.progressSlope(n, l) / dl, 1.0, 1e-6, law.name());
            double df = (law.floor(n * Math.exp(h)) - law.floor(n * Math.exp(-h))) / (2 * h);
            assertEquals(law.floorSlope(n) / df, 1.0, 1e-6, law.name());
        }
    }
}
