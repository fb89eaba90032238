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
    public void seedSummaryMatchesTheTInterval() {
        SeedSummary s = SeedSummary.of(new double[] {10, 12, 14}, 0.95);
        assertEquals(s.mean(), 12.0, 1e-12);
        // sd = 2, n = 3, t(0.975, 2) = 4.302653
        assertEquals(s.halfWidth(), 4.302653 * 2 / Math.sqrt(3), 1e-5);
        assertEquals(SeedSummary.of(new double[] {5}, 0.95).halfWidth(), Double.NaN);
    }
}
