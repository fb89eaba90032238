package org.staged.reproduce.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.staged.eval.compute.Savings;
import org.staged.eval.compute.SeedSummary;
import org.staged.models.train.TrainLog;
import java.util.function.ToDoubleFunction;
import org.staged.reproduce.pipeline.Results;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.pipeline.ZeroShot;
import org.staged.reproduce.preset.Preset;

/**
 * Table 1 (and Table 2's layout): percent of compute each grown run saves to reach the baseline's metric at
 * the baseline's checkpoints, rows grouped as in the paper (1 stage manual, 1 stage practical, 2 stage
 * practical), averaged over seeds with a 95% Student-t interval when there are several. Both tables compare
 * the whole staged curve (its original's part first) by one definition ({@link Savings#outcome}): a value
 * the original reached before growing is reported as such, not credited to the growth.
 */
public final class SavingsTable {
    private SavingsTable() {
    }

    /** A metric along a run: (cumulative compute, value) points in increasing compute. */
    public interface Metric {
        /** @return the metric's name in headers, e.g. {@code validation loss} */
        String name();

        /** @return which way it improves */
        Savings.Direction direction();

        /** @return the baseline's value at one of its log rows */
        double baseline(Results.Block block, TrainLog.Row row);

        /** @return the staged run's curve */
        List<Savings.Point> staged(Results.Block block, Results.Staged run);
    }

    /** Validation points the loss curves are smoothed over before crossings are found (as the authors did). */
    public static final int SMOOTHING = 5;

    /**
     * In-domain validation loss, as logged during training (Table 1), smoothed by a centred running mean over
     * {@link #SMOOTHING} validation points: the baseline's curve, and each stage of a staged run on its own (a
     * growth changes the slope, so no mean spans one).
     */
    public static final Metric VALIDATION_LOSS = new Metric() {
        @Override
        public String name() {
            return "validation loss";
        }

        @Override
        public Savings.Direction direction() {
            return Savings.Direction.LOWER_IS_BETTER;
        }

        @Override
        public double baseline(Results.Block block, TrainLog.Row row) {
            List<TrainLog.Row> rows = block.baseline().rows();
            return smoothed(rows).get(rows.indexOf(row)).value();
        }

        @Override
        public List<Savings.Point> staged(Results.Block block, Results.Staged run) {
            List<Savings.Point> pts = new ArrayList<>();
            run.segments().forEach(c -> pts.addAll(smoothed(c.rows())));
            return pts;
        }
    };

    private static List<Savings.Point> smoothed(List<TrainLog.Row> rows) {
        return Savings.runningMean(rows.stream().map(r -> new Savings.Point(r.flops(), r.valLoss())).toList(),
                SMOOTHING);
    }

    /** Zero-shot WikiText-103 perplexity per word, on the preset's share of the test set (Table 2). */
    public static final Metric WIKITEXT_PPL = zeroShot("WikiText-103 perplexity", Savings.Direction.LOWER_IS_BETTER,
            ZeroShot.Point::wikitextWordPpl);
    /** Zero-shot LAMBADA accuracy on the preset's share of the test set (Table 2). */
    public static final Metric LAMBADA_ACCURACY = zeroShot("LAMBADA accuracy", Savings.Direction.HIGHER_IS_BETTER,
            ZeroShot.Point::lambadaAccuracy);

    /** Perplexity of LAMBADA's last words, which moves long before any passage is fully right. */
    public static final Metric LAMBADA_TARGET_PPL = zeroShot("LAMBADA last-word perplexity",
            Savings.Direction.LOWER_IS_BETTER, ZeroShot.Point::lambadaTargetPpl);

    private static Metric zeroShot(String name, Savings.Direction direction, ToDoubleFunction<ZeroShot.Point> value) {
        return new Metric() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Savings.Direction direction() {
                return direction;
            }

            @Override
            public double baseline(Results.Block block, TrainLog.Row row) {
                return block.baselineZeroShot().stream().filter(p -> p.step() == row.step()).findFirst()
                        .map(value::applyAsDouble).orElseThrow(() -> new IllegalStateException(
                                "no zero-shot evaluation of the baseline at step " + row.step()));
            }

            @Override
            public List<Savings.Point> staged(Results.Block block, Results.Staged run) {
                return run.zeroShot().stream().map(p -> new Savings.Point(p.flops(), value.applyAsDouble(p))).toList();
            }
        };
    }

    /**
     * One cell: what each seed's run found at one checkpoint, and with one seed the bootstrap interval of its
     * saving over validation batches (null when there is none).
     */
    record Cell(List<Savings.Outcome> perSeed, double[] interval) {
        String markdown() {
            double[] saved = perSeed.stream().filter(o -> o.kind() == Savings.Kind.SAVED)
                    .mapToDouble(Savings.Outcome::percent).toArray();
            long before = count(Savings.Kind.BEFORE_GROWTH);
            long notReached = count(Savings.Kind.NOT_REACHED);
            long noSignal = count(Savings.Kind.NO_SIGNAL);
            long diverged = count(Savings.Kind.DIVERGED);
            int n = perSeed.size();
            if (saved.length == 0) {   // one word for what every seed found, or the counts
                return before == n ? "before growth" : notReached == n ? "not reached" : noSignal == n ? "no signal"
                        : diverged == n ? "diverged" : others(before, notReached, noSignal, diverged);
            }
            String v;
            if (saved.length == 1) {
                v = String.format(Locale.ROOT, "%.1f", saved[0]) + (interval == null ? ""
                        : String.format(Locale.ROOT, " [%.1f, %.1f]", interval[0], interval[1]));
            } else {
                SeedSummary s = SeedSummary.of(saved, 0.95);
                v = String.format(Locale.ROOT, "%.1f ± %.1f", s.mean(), s.halfWidth());
            }
            return saved.length < n ? v + " (" + saved.length + "/" + n + " seeds; " + others(before, notReached,
                    noSignal, diverged) + ")" : v;
        }

        private long count(Savings.Kind k) {
            return perSeed.stream().filter(o -> o.kind() == k).count();
        }

        private static String others(long before, long notReached, long noSignal, long diverged) {
            List<String> parts = new ArrayList<>();
            if (before > 0) {
                parts.add(before + " before growth");
            }
            if (notReached > 0) {
                parts.add(notReached + " not reached");
            }
            if (noSignal > 0) {
                parts.add(noSignal + " no signal");
            }
            if (diverged > 0) {
                parts.add(diverged + " diverged");
            }
            return String.join(", ", parts);
        }
    }

    /**
     * @param blocks what the preset produced
     * @param metric the metric compared
     * @return one Markdown table per target
     */
    public static String markdown(List<Results.Block> blocks, Metric metric) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Preset.Target, List<Results.Block>> e : byTarget(blocks).entrySet()) {
            Preset.Target t = e.getKey();
            List<Results.Block> seeds = e.getValue();
            sb.append(String.format(Locale.ROOT, "**%s** (%s): percent of compute saved to reach the baseline's %s%n%n",
                    t.name(), shape(seeds.get(0)), metric.name()));
            sb.append("| | ");
            t.checkpoints().forEach(c -> sb.append(c).append(" steps | "));
            sb.append("\n|---|");
            t.checkpoints().forEach(c -> sb.append("---:|"));
            sb.append("\n| baseline (").append(metric.name()).append(") | ");
            for (long c : t.checkpoints()) {
                double[] v = seeds.stream().mapToDouble(b -> metric.baseline(b, row(b, c))).toArray();
                sb.append(String.format(Locale.ROOT, "%.3f", java.util.Arrays.stream(v).average().orElseThrow()))
                        .append(" | ");
            }
            sb.append('\n');
            if (metric == VALIDATION_LOSS) {   // where each checkpoint sits on the curve (paper: −0.1, −0.05, −0.04)
                sb.append("| baseline slope d log L / d log C | ");
                for (long c : t.checkpoints()) {
                    double[] v = seeds.stream().mapToDouble(b -> slopeAt(b, c)).toArray();
                    sb.append(String.format(Locale.ROOT, "%.3f", java.util.Arrays.stream(v).average().orElseThrow()))
                            .append(" | ");
                }
                sb.append('\n');
            }
            String group = null;
            for (String label : seeds.get(0).runs().keySet()) {
                Preset.GrownRun run = seeds.get(0).runs().get(label).run();
                String g = group(run);
                if (!g.equals(group)) {
                    sb.append("| *").append(g).append("* |").append(" |".repeat(t.checkpoints().size())).append('\n');
                    group = g;
                }
                sb.append("| ").append(run.name()).append(" | ");
                for (long c : t.checkpoints()) {
                    sb.append(cell(seeds, label, c, metric).markdown()).append(" | ");
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        sb.append(LEGEND).append("\n\n");
        if (metric == VALIDATION_LOSS) {
            sb.append("Losses are compared after a centred running mean over ").append(SMOOTHING)
                    .append(" validation points (fewer at a curve's ends), on the baseline and on each stage.\n\n");
        }
        return sb.toString();
    }

    /** What the words in a cell mean. */
    static final String LEGEND = "A number is the percent of compute the staged run saved (negative: it needed more); "
            + "*before growth*: its original model reached the baseline's value before growing, so the growth is not "
            + "credited; *not reached*: the run ended first; *diverged*: the run stopped at a non-finite loss first, its "
            + "curve kept up to its last good step; *no signal*: the baseline itself has none to reach "
            + "(an accuracy of 0). With several seeds: mean ± 95% Student-t half-width over the seeds that saved. With "
            + "one seed, validation loss: [2.5%, 97.5%] of a bootstrap over the validation batches (" + 200
            + " resamples, the same batches for the baseline and every stage), which measures how the fixed "
            + "validation set's noise moves the saving, not how another seed would.";

    /** Resamples of the bootstrap over validation batches. */
    static final int BOOTSTRAP = 200;

    /**
     * @param blocks what the preset produced
     * @param metric the metric compared
     * @return {@code target,seed,group,run,checkpoint_step,baseline_value,outcome,percent_saved} rows
     *         (percent empty unless reached)
     */
    public static String csv(List<Results.Block> blocks, Metric metric) {
        List<List<Object>> rows = new ArrayList<>();
        for (Results.Block b : blocks) {
            for (Results.Staged s : b.runs().values()) {
                for (long c : b.target().checkpoints()) {
                    TrainLog.Row r = row(b, c);
                    Savings.Outcome o = outcome(b, s, c, metric);
                    rows.add(List.of(b.target().name(), b.seed(), group(s.run()), s.run().name(), c,
                            String.format(Locale.ROOT, "%.6f", metric.baseline(b, r)),
                            o.kind().name().toLowerCase(Locale.ROOT),
                            Double.isNaN(o.percent()) ? "" : String.format(Locale.ROOT, "%.3f", o.percent())));
                }
            }
        }
        return CsvTable.write(List.of("target", "seed", "group", "run", "checkpoint_step", "baseline_value", "outcome",
                "percent_saved"), rows);
    }

    static Cell cell(List<Results.Block> seeds, String label, long checkpoint, Metric metric) {
        List<Savings.Outcome> vals = new ArrayList<>();
        for (Results.Block b : seeds) {
            vals.add(outcome(b, b.runs().get(label), checkpoint, metric));
        }
        double[] interval = seeds.size() == 1 && metric == VALIDATION_LOSS && vals.get(0).kind() == Savings.Kind.SAVED
                ? bootstrap(seeds.get(0), seeds.get(0).runs().get(label), checkpoint) : null;
        return new Cell(vals, interval);
    }

    /**
     * The [2.5%, 97.5%] percentiles of a run's saving on validation loss when the validation batches are
     * resampled with replacement (the same draw for the baseline and every stage, which all score the same
     * batches); null when the logs hold no per-batch losses or fewer than half the resamples save.
     */
    static double[] bootstrap(Results.Block b, Results.Staged s, long checkpoint) {
        List<List<TrainLog.Row>> curves = new ArrayList<>();
        curves.add(b.baseline().rows());
        s.segments().forEach(c -> curves.add(c.rows()));
        int n = b.baseline().rows().get(0).valBatches().length;
        for (List<TrainLog.Row> c : curves) {
            for (TrainLog.Row r : c) {
                if (n == 0 || r.valBatches().length != n) {
                    return null;
                }
            }
        }
        TrainLog.Row at = row(b, checkpoint);
        int atIndex = b.baseline().rows().indexOf(at);
        double growth = s.segments().get(0).last().flops();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(31 * checkpoint + s.run().label().hashCode());
        List<Double> saved = new ArrayList<>();
        int[] idx = new int[n];
        for (int m = 0; m < BOOTSTRAP; m++) {
            for (int j = 0; j < n; j++) {
                idx[j] = rng.nextInt(n);
            }
            double base = Savings.runningMean(resampled(b.baseline().rows(), idx), SMOOTHING).get(atIndex).value();
            List<Savings.Point> staged = new ArrayList<>();
            s.segments().forEach(c -> staged.addAll(Savings.runningMean(resampled(c.rows(), idx), SMOOTHING)));
            Savings.Outcome o = Savings.outcome(at.flops(), base, staged, growth, Savings.Direction.LOWER_IS_BETTER);
            if (o.kind() == Savings.Kind.SAVED) {
                saved.add(o.percent());
            }
        }
        if (saved.size() < BOOTSTRAP / 2) {
            return null;
        }
        java.util.Collections.sort(saved);
        return new double[] {saved.get((int) Math.floor(0.025 * (saved.size() - 1))),
            saved.get((int) Math.ceil(0.975 * (saved.size() - 1)))};
    }

    /** (compute, mean of the chosen validation batches) of each row. */
    private static List<Savings.Point> resampled(List<TrainLog.Row> rows, int[] idx) {
        List<Savings.Point> out = new ArrayList<>();
        for (TrainLog.Row r : rows) {
            double sum = 0;
            for (int j : idx) {
                sum += r.valBatches()[j];
            }
            out.add(new Savings.Point(r.flops(), sum / idx.length));
        }
        return out;
    }

    /**
     * What one run found at one checkpoint: saved, before growth, not reached, or no signal (an accuracy of 0,
     * which any run "reaches" at its first point).
     */
    public static Savings.Outcome outcome(Results.Block b, Results.Staged s, long checkpoint, Metric metric) {
        TrainLog.Row r = row(b, checkpoint);
        double base = metric.baseline(b, r);
        if (metric.direction() == Savings.Direction.HIGHER_IS_BETTER && base <= 0) {
            return Savings.Outcome.noSignal();
        }
        Savings.Outcome o = Savings.outcome(r.flops(), base, metric.staged(b, s), s.segments().get(0).last().flops(),
                metric.direction());
        return o.kind() == Savings.Kind.NOT_REACHED && s.divergedAt() >= 0
                ? new Savings.Outcome(Savings.Kind.DIVERGED, Double.NaN) : o;
    }

    /** @return the saving credited to a run at one checkpoint, empty unless it saved after growing */
    public static OptionalDouble saved(Results.Block b, Results.Staged s, long checkpoint, Metric metric) {
        return outcome(b, s, checkpoint, metric).credited();
    }

    /** @return the paper's row group, e.g. {@code 1 stage practical} */
    public static String group(Preset.GrownRun run) {
        return run.stages().size() + " stage " + run.schedule().name().toLowerCase(Locale.ROOT);
    }

    /** The baseline's log-log slope over the doubling of steps that ends at {@code step}. */
    static double slopeAt(Results.Block b, long step) {
        org.staged.schedule.SlopeMonitor m = new org.staged.schedule.SlopeMonitor(Math.log(2), 3);
        for (TrainLog.Row r : b.baseline().rows()) {
            if (r.step() <= step) {
                m.add(r.flops(), r.valLoss());
            }
        }
        return m.slope().orElse(Double.NaN);
    }

    static TrainLog.Row row(Results.Block b, long step) {
        return b.baseline().rows().stream().filter(r -> r.step() == step).findFirst().orElseThrow(
                () -> new IllegalStateException("baseline of " + b.target().name() + " has no log row at step " + step));
    }

    static Map<Preset.Target, List<Results.Block>> byTarget(List<Results.Block> blocks) {
        Map<Preset.Target, List<Results.Block>> m = new LinkedHashMap<>();
        blocks.forEach(b -> m.computeIfAbsent(b.target(), k -> new ArrayList<>()).add(b));
        return m;
    }

    private static String shape(Results.Block b) {
        var c = b.target().config();
        return c.nLayer() + " layers × " + c.dModel() + ", " + c.nHead() + " heads, context " + c.contextLength();
    }
}
