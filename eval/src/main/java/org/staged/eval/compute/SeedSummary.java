package org.staged.eval.compute;

import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;

/**
 * A metric over several seeds: mean and a two-sided Student-t confidence interval (Commons Math).
 *
 * @param n         number of seeds
 * @param mean      the mean
 * @param halfWidth half-width of the confidence interval (NaN for one seed)
 * @param level     confidence level, e.g. 0.95
 */
public record SeedSummary(long n, double mean, double halfWidth, double level) {

    /**
     * @param values one value per seed
     * @param level  confidence level in (0, 1)
     * @return the summary
     * @throws IllegalArgumentException for no values or a level outside (0, 1)
     */
    public static SeedSummary of(double[] values, double level) {
        if (values.length == 0) {
            throw new IllegalArgumentException("seed summary: no values");
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("seed summary: level must be in (0, 1), found " + level);
        }
        SummaryStatistics s = new SummaryStatistics();
        for (double v : values) {
            s.addValue(v);
        }
        double half = Double.NaN;
        if (s.getN() > 1) {
            double t = new TDistribution(s.getN() - 1).inverseCumulativeProbability(0.5 + level / 2);
            half = t * s.getStandardDeviation() / Math.sqrt(s.getN());
        }
        return new SeedSummary(s.getN(), s.getMean(), half, level);
    }
}
