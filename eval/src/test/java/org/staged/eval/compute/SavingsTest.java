package org.staged.eval.compute;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.expectThrows;

import java.util.List;
import java.util.OptionalDouble;
import org.testng.annotations.Test;

public class SavingsTest {
    private static final List<Savings.Point> STAGED = List.of(
            new Savings.Point(10, 4.0), new Savings.Point(100, 3.0), new Savings.Point(1000, 2.5));

    @Test
    public void handComputedExample() {
        // baseline reaches loss 2.75 at compute 800; the staged curve crosses 2.75 half way (in log C) from
        // 100 to 1000, at 10^2.5 = 316.23, so it saves 1 − 316.23/800 = 60.47%
        OptionalDouble s = Savings.percentSaved(800, 2.75, STAGED, Savings.Direction.LOWER_IS_BETTER);
        assertEquals(s.getAsDouble(), 100 * (1 - Math.pow(10, 2.5) / 800), 1e-9);
    }

    @Test
    public void needingMoreComputeIsNegative() {
        // baseline got to 3.0 with 50: the staged run needs 100, twice as much
        assertEquals(Savings.percentSaved(50, 3.0, STAGED, Savings.Direction.LOWER_IS_BETTER).getAsDouble(), -100.0,
                1e-12);
    }

    @Test
    public void neverReachedIsEmpty() {
        assertFalse(Savings.percentSaved(5000, 2.0, STAGED, Savings.Direction.LOWER_IS_BETTER).isPresent());
    }

    @Test
    public void accuracyImprovesUpwards() {
        List<Savings.Point> acc = List.of(new Savings.Point(10, 0.1), new Savings.Point(1000, 0.3));
        // 0.2 is reached half way in log C: at 100
        assertEquals(Savings.percentSaved(400, 0.2, acc, Savings.Direction.HIGHER_IS_BETTER).getAsDouble(), 75.0,
                1e-9);
        expectThrows(IllegalArgumentException.class, () -> Savings.percentSaved(1, 1, List.of(),
                Savings.Direction.LOWER_IS_BETTER));
        expectThrows(IllegalArgumentException.class, () -> Savings.percentSaved(1, 1,
                List.of(new Savings.Point(2, 1), new Savings.Point(2, 0.5)), Savings.Direction.LOWER_IS_BETTER));
    }

    @Test
    public void aCrossingInTheOriginalsPartIsNotCreditedToTheGrowth() {
        // the staged curve grows at compute 100 (its loss 3.0 there): a baseline value of 3.5 is reached at
        // 10^1.5 ≈ 31.6, before growth; 2.75 at 316.2, after it
        Savings.Outcome before = Savings.outcome(800, 3.5, STAGED, 100, Savings.Direction.LOWER_IS_BETTER);
        assertEquals(before.kind(), Savings.Kind.BEFORE_GROWTH);
        assertEquals(before.percent(), 100 * (1 - Math.pow(10, 1.5) / 800), 1e-9);
        assertFalse(before.credited().isPresent());
        Savings.Outcome after = Savings.outcome(800, 2.75, STAGED, 100, Savings.Direction.LOWER_IS_BETTER);
        assertEquals(after.kind(), Savings.Kind.SAVED);
        assertEquals(after.credited().getAsDouble(), 100 * (1 - Math.pow(10, 2.5) / 800), 1e-9);
        assertEquals(Savings.outcome(800, 2.0, STAGED, 100, Savings.Direction.LOWER_IS_BETTER).kind(),
                Savings.Kind.NOT_REACHED);
        assertEquals(Savings.Outcome.noSignal().kind(), Savings.Kind.NO_SIGNAL);
    }

    @Test
    public void theRunningMeanIsCentredAndShrinksAtTheEnds() {
        List<Savings.Point> c = List.of(new Savings.Point(1, 1), new Savings.Point(2, 5), new Savings.Point(3, 3),
                new Savings.Point(4, 7), new Savings.Point(5, 4), new Savings.Point(6, 9));
        List<Savings.Point> m = Savings.runningMean(c, 5);
        assertEquals(m.get(0).value(), 1.0, 0);                     // alone at the end
        assertEquals(m.get(1).value(), 3.0, 1e-12);                 // (1 + 5 + 3) / 3
        assertEquals(m.get(2).value(), 4.0, 1e-12);                 // (1 + 5 + 3 + 7 + 4) / 5
        assertEquals(m.get(3).value(), 5.6, 1e-12);                 // (5 + 3 + 7 + 4 + 9) / 5
        assertEquals(m.get(5).value(), 9.0, 0);
        assertEquals(m.get(4).compute(), 5.0, 0);
        expectThrows(IllegalArgumentException.class, () -> Savings.runningMean(c, 4));
    }

    @Test
    public void seedSummaryMatchesTheTInterval() {
        SeedSummary s = SeedSummary.of(new double[] {10, 12, 14}, 0.95);
        assertEquals(s.mean(), 12.0, 1e-12);
        // sd = 2, n = 3, t(0.975, 2) = 4.302653
        assertEquals(s.halfWidth(), 4.302653 * 2 / Math.sqrt(3), 1e-5);
        assertEquals(SeedSummary.of(new double[] {5}, 0.95).halfWidth(), Double.NaN);
    }
}
