package org.staged.eval.compute;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.testng.annotations.Test;

public class DynamicsProbeTest {
    /** A target curve L(C) = 2 + 40·C^−0.25, logged at compute 100·1.2^i. */
    private static final DoubleUnaryOperator TARGET = c -> 2 + 40 * Math.pow(c, -0.25);

    private static List<Savings.Point> curve(DoubleUnaryOperator f, double from, int n) {
        List<Savings.Point> pts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double c = from * Math.pow(1.2, i);
            pts.add(new Savings.Point(c, f.applyAsDouble(c)));
        }
        return pts;
    }

    @Test
    public void aGrownModelThatFollowsTheTargetsCurveHasRatioOne() {
        List<Savings.Point> target = curve(TARGET, 100, 60);
        // the grown model has the target's loss at C = 5,000 but got there with 2,000: it then follows the
        // target's curve exactly, 3,000 compute earlier
        double growth = 2000;
        List<Savings.Point> grown = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            double dc = 400.0 * i;
            grown.add(new Savings.Point(growth + dc, TARGET.applyAsDouble(5000 + dc)));
        }
        DynamicsProbe.Result r = DynamicsProbe.measure(growth, TARGET.applyAsDouble(5000), grown, target, 5);
        assertEquals(r.ratio(), 1.0, 1e-3);
        assertEquals(r.targetLater(), TARGET.applyAsDouble(7000), 1e-3);
        assertEquals(r.lossLater(), TARGET.applyAsDouble(7000), 1e-12);
        // the target's own slope there: d log L / d log C = −0.25·(L − 2)/L
        double l = TARGET.applyAsDouble(6000);
        assertEquals(r.slopeTarget(), -0.25 * (l - 2) / l, 0.01);
    }

    @Test
    public void halfTheProgressPerComputeHalvesTheRatio() {
        List<Savings.Point> target = curve(TARGET, 100, 60);
        double l0 = TARGET.applyAsDouble(5000);
        List<Savings.Point> grown = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            double dc = 400.0 * i;
            // in log L, half as far down as the target goes over the same compute
            double lt = TARGET.applyAsDouble(5000 + dc);
            grown.add(new Savings.Point(2000 + dc, Math.exp(0.5 * (Math.log(lt) + Math.log(l0)))));
        }
        DynamicsProbe.Result r = DynamicsProbe.measure(2000, l0, grown, target, 5);
        assertEquals(r.ratio(), 0.5, 0.01);
        assertTrue(r.lossLater() > r.targetLater());
    }

    @Test
    public void aLossTheTargetNeverHadGivesNoRatio() {
        List<Savings.Point> target = curve(TARGET, 100, 10);
        List<Savings.Point> grown = List.of(new Savings.Point(10, 2.5), new Savings.Point(20, 2.4));
        assertTrue(Double.isNaN(DynamicsProbe.measure(5, 2.6, grown, target, 2).ratio()), "below the target's end");
        assertTrue(Double.isNaN(DynamicsProbe.measure(5, 99, grown, target, 2).ratio()), "above its start");
        expectThrows(IllegalArgumentException.class, () -> DynamicsProbe.measure(5, 3, grown, target, 3));
    }

    @Test
    public void interpolationIsLinearInLogLog() {
        List<Savings.Point> c = List.of(new Savings.Point(10, 8), new Savings.Point(1000, 2));
        assertEquals(DynamicsProbe.interpolate(c, 100), 4.0, 1e-12);
        assertTrue(Double.isNaN(DynamicsProbe.interpolate(c, 5000)));
    }
}
