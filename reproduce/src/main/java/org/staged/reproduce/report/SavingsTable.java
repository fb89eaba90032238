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
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.pipeline.ZeroShot;
import org.staged.reproduce.preset.Preset;

/**
 * Table 1 (and Table 2's layout): percent of compute each grown run saves to reach the baseline's metric at
 * the baseline's checkpoints, rows grouped as in the paper (1 stage manual, 1 stage practical, 2 stage
 * practical), averaged over seeds with a 95% Student-t interval when there are several.
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
        double baseline(Reproduction.Block block, TrainLog.Row row);

        /** @return the staged run's curve */
        List<Savings.Point> staged(Reproduction.Block block, Reproduction.Staged run);
    }

    /** In-domain validation loss, as logged during training (Table 1). */
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
        public double baseline(Reproduction.Block block, TrainLog.Row row) {
            return row.valLoss();
        }

        @Override
        public List<Savings.Point> staged(Reproduction.Block block, Reproduction.Staged run) {
            List<Savings.Point> pts = new ArrayList<>();
            for (double[] p : run.lossCurve()) {
                pts.add(new Savings.Point(p[0], p[1]));
            }
            return pts;
        }
    };

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
            public double baseline(Reproduction.Block block, TrainLog.Row row) {
                return block.baselineZeroShot().stream().filter(p -> p.step() == row.step()).findFirst()
                        .map(value::applyAsDouble).orElseThrow(() -> new IllegalStateException(
                                "no zero-shot evaluation of the baseline at step " + row.step()));
            }

            @Override
            public List<Savings.Point> staged(Reproduction.Block block, Reproduction.Staged run) {
                return run.zeroShot().stream().map(p -> new Savings.Point(p.flops(), value.applyAsDouble(p))).toList();
            }
        };
    }

    /** One cell's values: percent saved per seed, empty where the run never reached the baseline. */
    record Cell(List<OptionalDouble> perSeed) {
        String markdown() {
            double[] reached = perSeed.stream().filter(OptionalDouble::isPresent).mapToDouble(OptionalDouble::getAsDouble)
                    .toArray();
            if (reached.length == 0) {
                return "not reached";   // or no signal: see the table's note
            }
            String v;
            if (reached.length == 1) {
                v = String.format(Locale.ROOT, "%.1f", reached[0]);
            } else {
                SeedSummary s = SeedSummary.of(reached, 0.95);
                v = String.format(Locale.ROOT, "%.1f ± %.1f", s.mean(), s.halfWidth());
            }
            return reached.length < perSeed.size() ? v + " (" + reached.length + "/" + perSeed.size() + " seeds)" : v;
        }
    }

    /**
     * @param blocks what the preset produced
     * @param metric the metric compared
     * @return one Markdown table per target
     */
    public static String markdown(List<Reproduction.Block> blocks, Metric metric) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Preset.Target, List<Reproduction.Block>> e : byTarget(blocks).entrySet()) {
            Preset.Target t = e.getKey();
            List<Reproduction.Block> seeds = e.getValue();
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
        return sb.toString();
    }

    /**
     * @param blocks what the preset produced
     * @param metric the metric compared
     * @return {@code target,seed,group,run,checkpoint_step,baseline_value,percent_saved} rows (empty: not reached)
     */
    public static String csv(List<Reproduction.Block> blocks, Metric metric) {
        StringBuilder sb = new StringBuilder("target,seed,group,run,checkpoint_step,baseline_value,percent_saved\n");
        for (Reproduction.Block b : blocks) {
            for (Reproduction.Staged s : b.runs().values()) {
                for (long c : b.target().checkpoints()) {
                    TrainLog.Row r = row(b, c);
                    OptionalDouble v = saved(b, s, c, metric);
                    sb.append(String.format(Locale.ROOT, "%s,%d,%s,%s,%d,%.6f,%s%n", b.target().name(), b.seed(),
                            group(s.run()), s.run().name(), c, metric.baseline(b, r),
                            v.isPresent() ? String.format(Locale.ROOT, "%.3f", v.getAsDouble()) : ""));
                }
            }
        }
        return sb.toString();
    }

    private static Cell cell(List<Reproduction.Block> seeds, String label, long checkpoint, Metric metric) {
        List<OptionalDouble> vals = new ArrayList<>();
        for (Reproduction.Block b : seeds) {
            vals.add(saved(b, b.runs().get(label), checkpoint, metric));
        }
        return new Cell(vals);
    }

    /**
     * Percent saved by one run at one checkpoint; empty when not reached, and also when the baseline has no
     * signal to reach (an accuracy of 0, which any run "reaches" at its first point).
     */
    public static OptionalDouble saved(Reproduction.Block b, Reproduction.Staged s, long checkpoint, Metric metric) {
        TrainLog.Row r = row(b, checkpoint);
        double base = metric.baseline(b, r);
        if (metric.direction() == Savings.Direction.HIGHER_IS_BETTER && base <= 0) {
            return OptionalDouble.empty();
        }
        return Savings.percentSaved(r.flops(), base, metric.staged(b, s), metric.direction());
    }

    /** @return the paper's row group, e.g. {@code 1 stage practical} */
    public static String group(Preset.GrownRun run) {
        return run.stages().size() + " stage " + run.schedule().name().toLowerCase(Locale.ROOT);
    }

    /** The baseline's log-log slope over the doubling of steps that ends at {@code step}. */
    static double slopeAt(Reproduction.Block b, long step) {
        org.staged.schedule.SlopeMonitor m = new org.staged.schedule.SlopeMonitor(Math.log(2), 2);
        for (TrainLog.Row r : b.baseline().rows()) {
            if (r.step() <= step) {
                m.add(r.flops(), r.valLoss());
            }
        }
        return m.slope().orElse(Double.NaN);
    }

    static TrainLog.Row row(Reproduction.Block b, long step) {
        return b.baseline().rows().stream().filter(r -> r.step() == step).findFirst().orElseThrow(
                () -> new IllegalStateException("baseline of " + b.target().name() + " has no log row at step " + step));
    }

    static Map<Preset.Target, List<Reproduction.Block>> byTarget(List<Reproduction.Block> blocks) {
        Map<Preset.Target, List<Reproduction.Block>> m = new LinkedHashMap<>();
        blocks.forEach(b -> m.computeIfAbsent(b.target(), k -> new ArrayList<>()).add(b));
        return m;
    }

    private static String shape(Reproduction.Block b) {
        var c = b.target().config();
        return c.nLayer() + " layers × " + c.dModel() + ", " + c.nHead() + " heads, context " + c.contextLength();
    }
}
