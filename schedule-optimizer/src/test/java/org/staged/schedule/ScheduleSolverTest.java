package org.staged.schedule;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.List;
import org.testng.annotations.Test;

public class ScheduleSolverTest {
    private final ScheduleSolver kaplan3 = new ScheduleSolver(KaplanLaw.TABLE_5, 3.0);

    @Test
    public void singleStageOptimumIsKaplansClosedForm() {
        // minimising N·S on the law's level set gives (N_c/N)^α_N = L·α_S/(α_N + α_S)
        double a = 3.0 * 0.76 / (0.076 + 0.76);
        double n = 8.8e13 / Math.pow(a, 1 / 0.076);
        assertEquals(kaplan3.singleStageParams() / n, 1.0, 1e-6);
    }

    @Test
    public void reproducesTable3() {
        int[] stages = {1, 2, 3, 4, 5, 10};
        double[] paper = {1.0, 0.83, 0.792, 0.779, 0.771, 0.763};
        for (int i = 0; i < stages.length; i++) {
            double f = kaplan3.solve(stages[i], null).reductionFactor();
            assertEquals(f, paper[i], 0.002, "M = " + stages[i]);
        }
    }

    @Test
    public void reproducesTable4() {
        List<StageRecursion.Stage> s = kaplan3.solve(5, null).stages();
        // printed values; each must agree to one unit of the last printed digit. All agree to half a unit except
        // N_2 (22.19M against 22.1M): the optimum is flat along N_2 (SciPy SLSQP on the same problem with N_2 pinned
        // at 22.1M costs 6e-8 more compute), so the paper's solver tolerance cannot have resolved it better.
        double[][] paper = {
            {2.7e6, 15.4e3, 4.09, 0.0033},
            {22.1e6, 24.3e3, 3.58, 0.0154},
            {71.9e6, 30.8e3, 3.31, 0.0365},
            {163e6, 36.0e3, 3.13, 0.0665},
            {306e6, 40.5e3, 3.00, 0.1056}};
        double[][] unit = {{0.1e6, 0.1e3, 0.01, 0.0001}, {0.1e6, 0.1e3, 0.01, 0.0001}, {0.1e6, 0.1e3, 0.01, 0.0001},
            {1e6, 0.1e3, 0.01, 0.0001}, {1e6, 0.1e3, 0.01, 0.0001}};
        for (int k = 0; k < 5; k++) {
            StageRecursion.Stage st = s.get(k);
            double[] ours = {st.params(), st.cumulativeProgress(), st.loss(), st.pfDays()};
            for (int c = 0; c < 4; c++) {
                assertEquals(ours[c], paper[k][c], unit[k][c], "stage " + (k + 1) + " column " + c);
            }
        }
    }

    @Test
    public void scheduleMeetsItsConstraints() {
        ScheduleSolution sol = kaplan3.solve(4, null);
        double prev = 0;
        for (StageRecursion.Stage st : sol.stages()) {
            assertTrue(st.params() >= prev && st.progress() >= 0);
            prev = st.params();
        }
        assertEquals(sol.stages().get(3).loss(), 3.0, 1e-9);
    }

    @Test
    public void pinnedFinalSizeIsRespectedAndCostsMore() {
        double pin = kaplan3.singleStageParams();
        ScheduleSolution pinned = kaplan3.solve(3, pin);
        assertEquals(pinned.stages().get(2).params() / pin, 1.0, 1e-6);
        assertEquals(pinned.stages().get(2).loss(), 3.0, 1e-9);
        assertTrue(pinned.reductionFactor() < 1.0, "staging still saves: " + pinned.reductionFactor());
        assertTrue(pinned.reductionFactor() >= kaplan3.solve(3, null).reductionFactor() - 1e-9);
    }

    @Test
    public void aSmallPinnedFinalSizeGivesTheBoundaryOptimumWhereTheSizeOrderingBinds() {
        // 5e7 barely reaches loss 3 (its floor is 2.99): the first stage would like to be larger than that, so the
        // ordering N_1 ≤ N_2 binds and both stages train the pinned size, as one run of it would
        double pin = 5e7;
        ScheduleSolution two = kaplan3.solve(2, pin);
        assertEquals(two.stages().get(0).params() / pin, 1.0, 1e-9, "N_1 on the boundary N_1 = N_2");
        assertEquals(two.stages().get(1).params() / pin, 1.0, 1e-9);
        assertEquals(two.stages().get(1).loss(), 3.0, 1e-9);
        assertEquals(two.reductionFactor(), kaplan3.solve(1, pin).reductionFactor(), 1e-6);
        ScheduleSolution three = kaplan3.solve(3, pin);
        double prev = 0;
        for (StageRecursion.Stage st : three.stages()) {
            assertTrue(st.params() >= prev * (1 - 1e-12) && st.progress() >= 0, st.toString());
            prev = st.params();
        }
        assertEquals(three.stages().get(1).params() / pin, 1.0, 1e-9, "the last two stages pooled at the pinned size");
        assertTrue(three.reductionFactor() <= two.reductionFactor() + 1e-9);
    }

    @Test
    public void restrictedRatiosCostAtLeastAsMuchAndUseOnlyThoseRatios() {
        double[] allowed = {2, 4, 8};
        ScheduleSolution r = kaplan3.solve(3, null, allowed);
        assertTrue(r.reductionFactor() >= kaplan3.solve(3, null).reductionFactor() - 1e-9);
        assertTrue(r.reductionFactor() < 0.8, "still saves: " + r.reductionFactor());
        for (int k = 1; k < 3; k++) {
            double ratio = r.stages().get(k).params() / r.stages().get(k - 1).params();
            assertTrue(java.util.Arrays.stream(allowed).anyMatch(a -> Math.abs(a - ratio) < 1e-6), "ratio " + ratio);
        }
        assertEquals(r.stages().get(2).loss(), 3.0, 1e-9);
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> kaplan3.solve(3, null, new double[0]));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        expectThrows(IllegalArgumentException.class, () -> kaplan3.solve(3, null, new double[] {0.5}));
    }

    @Test
    public void chinchillaPlansToo() {
        ScheduleSolver s = new ScheduleSolver(ChinchillaLaw.APPROACH_3, 2.5);
        assertEquals(s.solve(1, null).reductionFactor(), 1.0, 1e-12);
        ScheduleSolution five = s.solve(5, null);
        assertEquals(five.stages().get(4).loss(), 2.5, 1e-9);
        // independent reference: SciPy SLSQP on the same recursion and law gives 0.9650, 0.9557, 0.9500
        assertEquals(s.solve(2, null).reductionFactor(), 0.9650, 0.0005);
        assertEquals(s.solve(3, null).reductionFactor(), 0.9557, 0.0005);
        assertEquals(five.reductionFactor(), 0.9500, 0.0005);
    }

    @Test
    public void badArgumentsAreClearErrors() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> new ScheduleSolver(ChinchillaLaw.APPROACH_3, 1.5));
        assertTrue(e.getMessage().contains("floor"), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> kaplan3.solve(0, null));
        assertTrue(e.getMessage().contains("--stages"), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> kaplan3.solve(2, 1e3));
        assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
    }
}
