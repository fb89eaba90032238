package org.staged.eval.compute;

import java.util.List;
import java.util.OptionalDouble;

/**
 * The paper's headline metric (Tables 1 and 2): the percent of compute a staged run saves to reach the
 * baseline's value of a metric at one of the baseline's checkpoints. The staged run reaches the value at the
 * first compute where its curve is equal or better, interpolating the metric linearly in log-compute
 * between logged points; savings are (C_baseline − C_staged)/C_baseline·100, negative when the staged run
 * needs more compute, and empty when it never gets there.
 *
 * <p>A staged run's curve starts with its original model's. When that part already reaches the baseline's
 * value, the original alone did it and the growth earns no credit ({@link Kind#BEFORE_GROWTH}). Noisy
 * curves are compared after a {@link #runningMean} (the authors used a running mean over 5 validation
 * points).
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

    /** What one comparison of a staged run with a baseline checkpoint found. */
    public enum Kind {
        /** The grown model reached the baseline's value: {@link Outcome#percent()} is the saving. */
        SAVED,
        /** The original model reached it before any growth: no credit to the growth. */
        BEFORE_GROWTH,
        /** The run ended before reaching it. */
        NOT_REACHED,
        /** The baseline itself has no signal there (e.g. an accuracy of 0), so there is nothing to reach. */
        NO_SIGNAL,
        /** The run stopped at a non-finite loss or gradient before reaching it. */
        DIVERGED
    }

    /**
     * @param kind    what was found
     * @param percent percent of compute saved where the value was reached (also before growth), else NaN
     */
    public record Outcome(Kind kind, double percent) {
        /** @return the outcome of a comparison whose baseline has no signal */
        public static Outcome noSignal() {
            return new Outcome(Kind.NO_SIGNAL, Double.NaN);
        }

        /** @return the saving credited to the staged run, or empty unless {@link Kind#SAVED} */
        public OptionalDouble credited() {
            return kind == Kind.SAVED ? OptionalDouble.of(percent) : OptionalDouble.empty();
        }
    }

    /**
     * @param baselineCompute compute of the baseline checkpoint
     * @param baselineValue   the baseline's metric there
     * @param staged          the staged run's curve, in increasing compute, its original's part first
     * @param growthCompute   compute at the first growth: a crossing at or before it is the original's
     * @param direction       which way the metric improves
     * @return saved, reached before growth, or not reached
     */
    public static Outcome outcome(double baselineCompute, double baselineValue, List<Point> staged,
                                  double growthCompute, Direction direction) {
        OptionalDouble c = crossing(baselineValue, staged, direction);
        if (c.isEmpty()) {
            return new Outcome(Kind.NOT_REACHED, Double.NaN);
        }
        return new Outcome(c.getAsDouble() <= growthCompute ? Kind.BEFORE_GROWTH : Kind.SAVED,
                percent(baselineCompute, c.getAsDouble()));
    }

    /**
     * A centred running mean: each point's value averaged with its {@code (window − 1)/2} neighbours on each
     * side, fewer at the ends of the curve, so it neither lags nor shortens the curve.
     *
     * @param curve  points in increasing compute
     * @param window an odd number of points, 1 for none
     * @return the smoothed curve, same computes
     */
    public static List<Point> runningMean(List<Point> curve, int window) {
        if (window < 1 || window % 2 == 0) {
            throw new IllegalArgumentException("running mean: window must be odd and >= 1, found " + window);
        }
        int h = window / 2;
        List<Point> out = new java.util.ArrayList<>();
        for (int i = 0; i < curve.size(); i++) {
            int r = Math.min(h, Math.min(i, curve.size() - 1 - i));   // symmetric, so the mean stays centred
            double sum = 0;
            for (int j = i - r; j <= i + r; j++) {
                sum += curve.get(j).value();
            }
            out.add(new Point(curve.get(i).compute(), sum / (2 * r + 1)));
        }
        return out;
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
        OptionalDouble c = crossing(baselineValue, staged, direction);
        return c.isPresent() ? OptionalDouble.of(percent(baselineCompute, c.getAsDouble())) : OptionalDouble.empty();
    }

    /**
     * @param value     the value to reach
     * @param staged    a curve, in increasing compute
     * @param direction which way the metric improves
     * @return the first compute at which the curve reaches {@code value} (interpolated in log-compute), or empty
     * @throws IllegalArgumentException when the curve is empty or its compute does not increase
     */
    public static OptionalDouble crossing(double value, List<Point> staged, Direction direction) {
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
        if (atLeastAsGood(first.value(), value, direction)) {
            return OptionalDouble.of(first.compute());
        }
        for (int i = 1; i < staged.size(); i++) {
            Point a = staged.get(i - 1);
            Point b = staged.get(i);
            if (atLeastAsGood(b.value(), value, direction)) {
                double t = (value - a.value()) / (b.value() - a.value());   // a is worse, b at least as good
                double logC = Math.log(a.compute()) + t * (Math.log(b.compute()) - Math.log(a.compute()));
                return OptionalDouble.of(Math.exp(logC));
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
