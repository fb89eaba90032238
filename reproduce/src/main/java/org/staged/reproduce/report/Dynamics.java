package org.staged.reproduce.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.staged.api.growth.GrowthOperators;
import org.staged.eval.compute.DynamicsProbe;
import org.staged.eval.compute.Savings;
import org.staged.eval.compute.SeedSummary;
import org.staged.models.train.Checkpoint;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import org.staged.operators.WidthGrowth;
import org.staged.reproduce.pipeline.Results;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.preset.Preset;

/**
 * What happens right after growth: the dynamics probe of every growth ({@link DynamicsProbe}, paper Eq. 2),
 * how far the halves of width-grown models drift apart, and, when a preset grows the same original with
 * several width variants, which of them make width save compute and what limits the paper's recipe.
 */
public final class Dynamics {
    /** Validation points after growth the probe measures over. */
    public static final int K = 5;
    private static final GrowthOperators REGISTRY = GrowthOperators.discover();

    private Dynamics() {
    }

    /** One growth's probe, and the target's loss at GROWTH-TARGET and K points later (by schedule step). */
    public record Probe(DynamicsProbe.Result result, double targetAtGrowthTarget, double targetKLater) {
    }

    /** @return the probe of growth {@code k} of a run, or null when fewer than K points follow it */
    public static Probe probe(Results.Block b, Results.Staged s, int k) {
        Results.Curve grown = s.segments().get(k + 1);
        if (grown.rows().size() < K) {
            return null;
        }
        Results.Growth g = s.growths().get(k);
        List<Savings.Point> pts = grown.rows().stream().map(r -> new Savings.Point(r.flops(), r.valLoss())).toList();
        List<Savings.Point> target = b.baseline().rows().stream()
                .map(r -> new Savings.Point(r.flops(), r.valLoss())).toList();
        DynamicsProbe.Result r = DynamicsProbe.measure(s.segments().get(k).last().flops(), g.lossAfter(), pts, target, K);
        List<Savings.Point> bySteps = b.baseline().rows().stream()
                .map(row -> new Savings.Point(row.step(), row.valLoss())).toList();
        long gt = grown.scheduleStart();
        long later = grown.scheduleStep(grown.rows().get(K - 1));
        return new Probe(r, DynamicsProbe.interpolate(bySteps, gt), DynamicsProbe.interpolate(bySteps, later));
    }

    /**
     * The relative asymmetry of a width run's halves right after its last growth and at its end, or null when
     * its last growth does not end with a width doubling.
     */
    static double[] asymmetry(Results.Staged s) {
        int k = s.growths().size() - 1;
        String spec = s.run().stages().get(k);
        List<String> ops = GrowthOperators.splitOutsideParentheses(spec, ',');
        Path end = s.dir().resolve(Trainer.CHECKPOINT);
        Path from = Trainer.snapshot(s.dirs().get(k), s.growths().get(k).point().preGrowth().step());
        if (!ops.get(ops.size() - 1).startsWith("width") || !Files.exists(end) || !Files.exists(from)) {
            return null;
        }
        var grown = REGISTRY.stage(spec).apply(Checkpoint.load(from).state());
        return new double[] {WidthGrowth.halfAsymmetry(grown.params()),
            WidthGrowth.halfAsymmetry(Checkpoint.load(end).state().params())};
    }

    /** The report's section: probe of every growth, asymmetry of every width run, and the variants' verdict. */
    static String section(List<Results.Block> blocks) {
        StringBuilder s = new StringBuilder("## Training dynamics after growth\n\n");
        s.append(String.format(Locale.ROOT, "For each growth, the slope d log L / d log C of the grown model over its "
                + "first %d validation points, against the slope of the target trained from scratch where it had the "
                + "same loss, over the same compute (compute counted from there, so a grown model that trains "
                + "exactly like its target gives 1 whatever it saved): their ratio is the dynamics ratio (paper "
                + "Eq. 2). Also the loss right after growth and %d points later, beside the target's loss at "
                + "GROWTH-TARGET and %d points after it on the schedule. Mean over seeds, ± the 95%% t half-width.%n%n",
                K, K, K));
        s.append("| target | run | growth | loss after growth | loss K later | target at GROWTH-TARGET | target K "
                + "later | slope grown | slope target | dynamics ratio |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (List<Results.Block> seeds : SavingsTable.byTarget(blocks).values()) {
            List<String> labels = new ArrayList<>(seeds.get(0).runs().keySet());
            labels.addAll(seeds.get(0).ablations().keySet());
            for (String label : labels) {
                Results.Staged first = run(seeds.get(0), label);
                for (int k = 0; k < first.growths().size(); k++) {
                    List<Probe> ps = new ArrayList<>();
                    for (Results.Block b : seeds) {
                        Probe p = probe(b, run(b, label), k);
                        if (p != null) {
                            ps.add(p);
                        }
                    }
                    if (ps.isEmpty()) {
                        continue;
                    }
                    s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                            seeds.get(0).target().name(), first.run().label(), first.run().stages().get(k),
                            mean(ps, p -> p.result().lossAfter(), "%.3f"), mean(ps, p -> p.result().lossLater(), "%.3f"),
                            mean(ps, Probe::targetAtGrowthTarget, "%.3f"), mean(ps, Probe::targetKLater, "%.3f"),
                            mean(ps, p -> p.result().slopeGrown(), "%.3f"), mean(ps, p -> p.result().slopeTarget(), "%.3f"),
                            mean(ps, p -> p.result().ratio(), "%.2f")));
                }
            }
        }
        s.append('\n').append(asymmetryTable(blocks)).append(variants(blocks));
        return s.toString();
    }

    private static Results.Staged run(Results.Block b, String label) {
        return b.runs().containsKey(label) ? b.runs().get(label) : b.ablations().get(label);
    }

    private static String asymmetryTable(List<Results.Block> blocks) {
        StringBuilder rows = new StringBuilder();
        for (List<Results.Block> seeds : SavingsTable.byTarget(blocks).values()) {
            for (String label : seeds.get(0).runs().keySet()) {
                List<double[]> a = new ArrayList<>();
                seeds.forEach(b -> {
                    double[] x = asymmetry(b.runs().get(label));
                    if (x != null) {
                        a.add(x);
                    }
                });
                if (!a.isEmpty()) {
                    rows.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", seeds.get(0).target().name(),
                            seeds.get(0).runs().get(label).run().name(), meanOf(a, 0, "%.2e"), meanOf(a, 1, "%.2e")));
                }
            }
        }
        if (rows.length() == 0) {
            return "";
        }
        return "Width growth gives the two halves of every tensor equal values (the paper's recipe) or values that "
                + "differ without changing the function (split, noise). Only something that treats the halves "
                + "differently afterwards lets the grown model use its new width; dropout does (the authors' GPT-2 "
                + "trained with 0.1). Relative asymmetry ‖θ − swap(θ)‖ / ‖θ‖ over all weight tensors, swap exchanging "
                + "the halves of every doubled dimension (0: exact copies), right after the last width growth and at "
                + "the run's end, mean over seeds:\n\n| target | run | after growth | at the end |\n|---|---|---:|---:|\n"
                + rows + "\n";
    }

    /**
     * When one target has several single-growth width runs of one schedule (the paper's recipe and variants),
     * compares each with the paper's: savings, paired differences over seeds, dynamics ratio, asymmetry; and
     * says which variants make width save compute, and what limits the paper's width.
     */
    static String variants(List<Results.Block> blocks) {
        StringBuilder s = new StringBuilder();
        for (List<Results.Block> seeds : SavingsTable.byTarget(blocks).values()) {
            Results.Block b0 = seeds.get(0);
            Map<String, Results.Staged> width = new LinkedHashMap<>();
            b0.runs().forEach((label, st) -> {
                List<String> stages = st.run().stages();
                if (stages.size() == 1 && GrowthOperators.splitOutsideParentheses(stages.get(0), ',').size() == 1
                        && stages.get(0).startsWith("width")) {
                    width.put(label, st);
                }
            });
            String paper = width.entrySet().stream().filter(e -> e.getValue().run().stages().get(0).equals("width")
                    && e.getValue().run().rewarm() == 0 && e.getValue().run().schedule() == Preset.Schedule.MANUAL)
                    .map(Map.Entry::getKey).findFirst().orElse(null);
            if (paper == null || width.size() < 2) {
                continue;
            }
            List<Long> cps = b0.target().checkpoints();
            s.append("### Width variants against the paper's width (").append(b0.target().name()).append(", ")
                    .append(seeds.size()).append(seeds.size() == 1 ? " seed" : " seeds").append(")\n\n");
            s.append("Every variant grows the same original at the same PRE-GROWTH, so the runs of one seed differ only "
                    + "in the growth. Savings on validation loss (as Table 1); Δ: the variant's saving minus the "
                    + "paper's, per seed where both saved after growing, mean ± 95% t half-width.\n\n| run | growth |");
            cps.forEach(c -> s.append(' ').append(c).append(" steps | Δ at ").append(c).append(" |"));
            s.append(" dynamics ratio | asymmetry at the end |\n|---|---|");
            cps.forEach(c -> s.append("---:|---:|"));
            s.append("---:|---:|\n");
            List<String> saving = new ArrayList<>();
            List<String> better = new ArrayList<>();
            List<String> worse = new ArrayList<>();
            Map<String, String> deltas = new LinkedHashMap<>();
            for (String label : width.keySet()) {
                Preset.GrownRun run = width.get(label).run();
                s.append("| ").append(run.name()).append(" | ").append(describe(run)).append(" | ");
                boolean savesEverywhere = true;
                int up = 0;
                int down = 0;
                List<String> dl = new ArrayList<>();
                for (long c : cps) {
                    SavingsTable.Cell cell = SavingsTable.cell(seeds, label, c, SavingsTable.VALIDATION_LOSS);
                    s.append(cell.markdown()).append(" | ");
                    double[] sv = cell.perSeed().stream().filter(o -> o.kind() == Savings.Kind.SAVED)
                            .mapToDouble(Savings.Outcome::percent).toArray();
                    savesEverywhere &= sv.length == seeds.size() && low(sv) > 0;
                    double[] d = paired(seeds, label, paper, c);
                    if (label.equals(paper) || d.length == 0) {
                        s.append("– | ");
                        continue;
                    }
                    SeedSummary ds = SeedSummary.of(d, 0.95);
                    String txt = format(ds);
                    s.append(txt).append(" | ");
                    dl.add(c + " steps " + txt);
                    up += low(d) > 0 ? 1 : 0;
                    down += high(d) < 0 ? 1 : 0;
                }
                List<Double> asym = new ArrayList<>();
                for (Results.Block b : seeds) {
                    double[] a = asymmetry(b.runs().get(label));
                    if (a != null) {
                        asym.add(a[1]);
                    }
                }
                s.append(ratio(seeds, label)).append(" | ").append(format(asym, "%.2e")).append(" |\n");
                if (savesEverywhere) {
                    saving.add(run.name());
                }
                if (!label.equals(paper)) {
                    deltas.put(label, String.join(", ", dl));
                    if (up > 0 && down == 0) {
                        better.add(run.name());
                    } else if (down > 0 && up == 0) {
                        worse.add(run.name());
                    }
                }
            }
            s.append('\n');
            s.append(saving.isEmpty() ? "No width run saves compute at every checkpoint with its whole interval above 0"
                    + (seeds.size() < 2 ? " (one seed: no interval)" : "") + ". "
                    : "Saving compute at every checkpoint, interval above 0: " + String.join(", ", saving) + ". ");
            s.append(better.isEmpty() ? "No variant beats the paper's width with its interval above 0 at any checkpoint"
                    : "Better than the paper's width (Δ interval above 0 at some checkpoint, below at none): "
                    + String.join(", ", better));
            s.append(worse.isEmpty() ? ". " : "; worse: " + String.join(", ", worse) + ". ");
            s.append(limits(width, deltas, better, worse)).append("\n\n");
            s.append(conclusion(seeds, width, paper, better)).append("\n\n");
        }
        return s.toString();
    }

    /** Which limitation each kind of variant tests, and what its paired differences say. */
    private static String limits(Map<String, Results.Staged> width, Map<String, String> deltas, List<String> better,
                                 List<String> worse) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : deltas.entrySet()) {
            Preset.GrownRun run = width.get(e.getKey()).run();
            String spec = run.stages().get(0);
            boolean moments = spec.contains("moments=matched");
            boolean symmetry = spec.contains("noise=") || spec.contains("split=");
            boolean rewarm = run.rewarm() > 0;
            int kinds = (moments ? 1 : 0) + (symmetry ? 1 : 0) + (rewarm ? 1 : 0);
            if (kinds != 1) {
                continue;   // a combination tests no single limitation
            }
            String what = moments ? "the zero-block moments" : symmetry ? "the halves' symmetry" : "the LR after growth";
            String verdict = better.contains(run.name()) ? "limited by " + what
                    : worse.contains(run.name()) ? "not limited by " + what + " (changing it hurts)"
                    : "not measurably limited by " + what;
            out.add(String.format(Locale.ROOT, "%s: the paper's width is %s (Δ %s)", run.name(), verdict, e.getValue()));
        }
        return out.isEmpty() ? "" : String.join("; ", out) + ".";
    }

    /**
     * The answer in one paragraph: what limits the paper's width here, with the dynamics ratios of the paper's
     * width and of depth (when the preset grows depth too) as the evidence.
     */
    private static String conclusion(List<Results.Block> seeds, Map<String, Results.Staged> width, String paper,
                                     List<String> better) {
        boolean moments = false;
        boolean symmetry = false;
        for (Results.Staged st : width.values()) {
            String spec = st.run().stages().get(0);
            boolean m = spec.contains("moments=matched");
            boolean y = spec.contains("noise=") || spec.contains("split=");
            if (better.contains(st.run().name()) && st.run().rewarm() == 0 && m != y) {
                moments |= m;
                symmetry |= y;
            }
        }
        String limited = moments && symmetry ? "by both the zero-block moments and the halves' symmetry"
                : moments ? "by the zero-block moments" : symmetry ? "by the halves' symmetry"
                : "by neither the zero-block moments nor the halves' symmetry";
        StringBuilder s = new StringBuilder("**Conclusion.** At this scale the paper's width is limited " + limited + ". ");
        String ratio = ratio(seeds, paper);
        if (!ratio.equals("–")) {
            s.append("Right after growth its model learns at ").append(ratio).append(" times the rate the target "
                    + "trained from scratch had at the same loss (dynamics ratio; 1 would be Eq. 2 holding)");
            seeds.get(0).runs().keySet().stream().filter(l -> l.startsWith("2xD-")).findFirst().ifPresent(d ->
                    s.append(", depth at ").append(ratio(seeds, d)));
            s.append(". ");
        }
        double[] asym = seeds.stream().map(b -> asymmetry(b.runs().get(paper))).filter(java.util.Objects::nonNull)
                .mapToDouble(a -> a[1]).toArray();
        if (asym.length > 0 && java.util.Arrays.stream(asym).min().orElse(0) > 0.1) {
            s.append(String.format(Locale.ROOT, "Its halves end %.2f apart (relative), so dropout alone already breaks "
                    + "the symmetry. ", java.util.Arrays.stream(asym).average().orElseThrow()));
        }
        double[] r = ratios(seeds, paper);
        if (r.length > 1 && high(r) < 1 && !moments && !symmetry) {
            s.append("What holds width back is how slowly the grown model trains on after growth (its dynamics ratio "
                    + "is below 1 across seeds), not its moments or its symmetry.");
        }
        return s.toString();
    }

    private static String ratio(List<Results.Block> seeds, String label) {
        return format(java.util.Arrays.stream(ratios(seeds, label)).boxed().toList(), "%.2f");
    }

    /** The dynamics ratio of a run's first growth, per seed where it could be measured. */
    private static double[] ratios(List<Results.Block> seeds, String label) {
        List<Double> r = new ArrayList<>();
        for (Results.Block b : seeds) {
            Probe p = probe(b, b.runs().get(label), 0);
            if (p != null && Double.isFinite(p.result().ratio())) {
                r.add(p.result().ratio());
            }
        }
        return r.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static String describe(Preset.GrownRun run) {
        return "`" + run.stages().get(0) + "`" + (run.rewarm() > 0 ? ", LR re-warmed over " + run.rewarm() + " steps" : "");
    }

    /** Per seed where both saved after growing: the variant's saving minus the reference's. */
    private static double[] paired(List<Results.Block> seeds, String label, String reference, long checkpoint) {
        List<Double> d = new ArrayList<>();
        for (Results.Block b : seeds) {
            OptionalDouble v = SavingsTable.saved(b, b.runs().get(label), checkpoint, SavingsTable.VALIDATION_LOSS);
            OptionalDouble r = SavingsTable.saved(b, b.runs().get(reference), checkpoint, SavingsTable.VALIDATION_LOSS);
            if (v.isPresent() && r.isPresent()) {
                d.add(v.getAsDouble() - r.getAsDouble());
            }
        }
        return d.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double low(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        SeedSummary s = SeedSummary.of(v, 0.95);
        return s.mean() - s.halfWidth();
    }

    private static double high(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        SeedSummary s = SeedSummary.of(v, 0.95);
        return s.mean() + s.halfWidth();
    }

    private static String format(SeedSummary s) {
        return Double.isNaN(s.halfWidth()) ? String.format(Locale.ROOT, "%+.1f", s.mean())
                : String.format(Locale.ROOT, "%+.1f ± %.1f", s.mean(), s.halfWidth());
    }

    private static String format(List<Double> v, String fmt) {
        if (v.isEmpty()) {
            return "–";
        }
        SeedSummary s = SeedSummary.of(v.stream().mapToDouble(Double::doubleValue).toArray(), 0.95);
        return Double.isNaN(s.halfWidth()) ? String.format(Locale.ROOT, fmt, s.mean())
                : String.format(Locale.ROOT, fmt + " ± " + fmt, s.mean(), s.halfWidth());
    }

    private static <T> String mean(List<T> xs, java.util.function.ToDoubleFunction<T> f, String fmt) {
        List<Double> v = xs.stream().mapToDouble(f).filter(Double::isFinite).boxed().toList();
        return format(v, fmt);
    }

    private static String meanOf(List<double[]> xs, int i, String fmt) {
        return format(xs.stream().map(a -> a[i]).toList(), fmt);
    }
}
