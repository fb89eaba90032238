package org.staged.eval.compute;

import java.util.List;
import java.util.OptionalDouble;

/**
 * The paper's headline metric (Tables 1 and 2): the percent of compute a staged run saves to reach the
 * baseline's value of a metric at one of the baseline's checkpoints. The staged run reaches the value at the
 * first compute where its curve is equal or better, interpolating the metric linearly in log-compute
 * between logged points; savings are (C_baseline − C_staged)/C_baseline·100, negative when the staged run
 * needs more compute, and empty when it never gets there.
 */
public final class Savings {
    private Savings() {
    }

    /** Which way a metric improves. */
    public enum Direction {
        /** Loss, perplexity. */
        LOWER_IS_BETTER,
        /** Accuracy. */
        HIGHER_IS_BETTER
    }

    /** One logged point of a run: cumulative compute (all stages) and the metric there. */
    public record Point(double compute, double value) {
    }

    /**
     * @param baselineCompute compute of the baseline checkpoint
     * @param baselineValue   the baseline's metric there
     * @param staged          the staged run's curve, in increasing compute
     * @param direction       which way the metric improves
     * @return percent of compute saved, or empty when the staged run never reaches the baseline's value
     * @throws IllegalArgumentException when the curve is empty or its compute does not increase
     */
    public static OptionalDouble percentSaved(double baselineCompute, double baselineValue, List<Point> staged,
                                              Direction direction) {
        if (staged.isEmpty()) {
            throw new IllegalArgumentException("savings: the staged curve is empty");
        }
        for (int i = 1; i < staged.size(); i++) {
            if (!(staged.get(i).compute() > staged.get(i - 1).compute())) {
                throw new IllegalArgumentException("savings: compute must increase along the staged curve (point "
                        + (i + 1) + ")");
            }
        }
        Point first = staged.get(0);
        if (atLeastAsGood(first.value(), baselineValue, direction)) {
            return OptionalDouble.of(percent(baselineCompute, first.compute()));
        }
        for (int i = 1; i < staged.size(); i++) {
            Point a = staged.get(i - 1);
            Point b = staged.get(i);
            if (atLeastAsGood(b.value(), baselineValue, direction)) {
                double t = (baselineValue - a.value()) / (b.value() - a.value());   // a is worse, b at least as good
                double logC = Math.log(a.compute()) + t * (Math.log(b.compute()) - Math.log(a.compute()));
                return OptionalDouble.of(percent(baselineCompute, Math.exp(logC)));
            }
        }
        return OptionalDouble.empty();
    }

    private static boolean atLeastAsGood(double value, double target, Direction d) {
        return d == Direction.LOWER_IS_BETTER ? value <= target : value >= target;
    }

    private static double percent(double baseline, double staged) {
        return 100 * (baseline - staged) / baseline;
    }
}
