package org.staged.reproduce.compare;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.eval.compute.Savings;
import org.staged.operators.kit.ConformanceKit;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.pipeline.Results;
import org.staged.reproduce.preset.Preset;
import org.staged.reproduce.report.Chart;
import org.staged.reproduce.report.CsvTable;
import org.staged.reproduce.report.Dynamics;
import org.staged.reproduce.report.SavingsTable;

/**
 * One growth operator against the baselines: the conformance kit on the operator, then a small staged
 * experiment on a preset's targets, data and seeds (the baseline from scratch, the operator's practical run and
 * each reference operator's, all grown at Algorithm 1's τ_G from the same original), and the verdicts a CI job
 * acts on: every property the operator claims holds, the loss it claims to preserve is preserved in the real
 * run, and its saving at each target's last checkpoint is at least the threshold.
 */
public final class Comparison {
    /** Relative change of the validation loss at growth within float32 evaluation: the loss was preserved. */
    public static final double LOSS_TOL = 1e-5;

    /**
     * One operator's run for one target and seed.
     *
     * @param operator      the operator's spec
     * @param candidate     whether it is the operator compared (not a reference)
     * @param checkpoints   the target's checkpoints
     * @param savings       the outcome at each checkpoint (validation loss against the baseline)
     * @param lossBefore    validation loss at PRE-GROWTH
     * @param lossAfter     validation loss of the grown state
     * @param dynamicsRatio the dynamics probe's ratio after growth (NaN when too few points follow it)
     */
    public record Line(String operator, boolean candidate, String target, long seed, List<Long> checkpoints,
                       List<Savings.Outcome> savings, double lossBefore, double lossAfter, double dynamicsRatio) {
        /** @return whether growing kept the validation loss within float32 evaluation */
        public boolean lossPreserved() {
            return Math.abs(lossAfter - lossBefore) <= LOSS_TOL * lossBefore;
        }
    }

    /** A check a CI job acts on: its group (kit, experiment), name, outcome and the figure behind it. */
    public record Verdict(String group, String name, boolean passed, String message) {
    }

    /**
     * Everything one comparison found.
     *
     * @param kit      the conformance kit's report on the operator
     * @param lines    one per operator, target and seed (empty when the kit failed: the experiment is not run)
     * @param verdicts kit checks, then the experiment's
     * @param root     the experiment's results folder (null when not run)
     */
    public record Outcome(String operator, ConformanceKit.Report kit, List<Line> lines, List<Verdict> verdicts,
                          Path root) {
        /** @return whether every verdict passed */
        public boolean passed() {
            return verdicts.stream().allMatch(Verdict::passed);
        }

        /** @return the failed verdicts' messages */
        public List<String> failures() {
            return verdicts.stream().filter(v -> !v.passed()).map(v -> v.name() + ": " + v.message()).toList();
        }
    }

    private final GrowthOperators registry = GrowthOperators.discover();
    private final String op;
    private final List<String> against;
    private final Double minSaving;

    /**
     * @param op        the operator (or composition) compared, as {@code staged grow} takes it
     * @param against   reference operators (the operator itself is left out of them)
     * @param minSaving the least saving in percent at each target's last checkpoint, or null for none
     * @throws IllegalArgumentException naming an operator that is not found
     */
    public Comparison(String op, List<String> against, Double minSaving) {
        this.op = op.trim();
        registry.stage(this.op);
        LinkedHashSet<String> refs = new LinkedHashSet<>();
        for (String a : against) {
            registry.stage(a.trim());
            if (!a.trim().equals(this.op)) {
                refs.add(a.trim());
            }
        }
        this.against = List.copyOf(refs);
        this.minSaving = minSaving;
    }

    /**
     * Runs the kit, then, when it passed, the experiment.
     *
     * @param base     the preset whose data, training, targets and seeds the experiment uses
     * @param results  results directory (the experiment's folder is made inside it)
     * @param dataFlag {@code --data-dir}, or null
     * @param progress whether to draw progress bars
     * @param out      where runs are reported
     * @return the outcome
     */
    public Outcome run(Preset base, Path results, Path dataFlag, boolean progress, PrintStream out) {
        GrowthOperator operator = registry.stage(op);
        ConformanceKit.Report kit = ConformanceKit.run(operator, 1, true);
        List<Verdict> verdicts = new ArrayList<>();
        for (ConformanceKit.Check c : kit.checks()) {
            boolean failed = c.required() && !c.passed();
            String message = failed ? op + (c.claim() == null ? "" : " claims " + c.claim() + ", but") + " " + c.name()
                    + " failed: " + c.figure() : c.passed() ? c.figure() : "not claimed, does not hold: " + c.figure();
            verdicts.add(new Verdict("kit", c.name(), !failed, message));
        }
        if (!kit.passed()) {
            return new Outcome(op, kit, List.of(), verdicts, null);
        }
        Preset p = experiment(base);
        Reproduction r = new Reproduction(p, results, dataFlag, progress, out);
        List<Results.Block> blocks = r.run();
        List<Line> lines = lines(blocks);
        verdicts.addAll(verdicts(lines, operator.claims().lossPreserving()));
        figure(blocks, r.root().resolve("compare.png"));
        return new Outcome(op, kit, lines, verdicts, r.root());
    }

    /** @return the base preset cut down to the comparison: one practical run per operator, no ablations */
    public Preset experiment(Preset base) {
        List<Preset.GrownRun> runs = new ArrayList<>();
        runs.add(run(op));
        against.forEach(a -> runs.add(run(a)));
        String name = "compare-" + safe(op) + (against.isEmpty() ? "" : "-vs-" + String.join("-",
                against.stream().map(Comparison::safe).toList()));
        return new Preset(name, "`" + op + "` against " + (against.isEmpty() ? "the baseline" : String.join(", ",
                against)) + " on " + base.name() + "'s targets, data and seeds", base.data(), base.training(),
                base.targets(), base.seeds(), base.original(), base.constants(), runs, base.eval(), List.of(), 0,
                base.parallelRuns(), base.task());
    }

    private static Preset.GrownRun run(String spec) {
        return new Preset.GrownRun(safe(spec), Preset.Schedule.PRACTICAL, List.of(spec), false, false, 0);
    }

    /** @return a folder-safe name for an operator spec */
    static String safe(String spec) {
        return spec.replaceAll("[^A-Za-z0-9._-]+", "_");
    }

    private List<Line> lines(List<Results.Block> blocks) {
        List<Line> out = new ArrayList<>();
        for (Results.Block b : blocks) {
            List<String> ops = new ArrayList<>(List.of(op));
            ops.addAll(against);
            for (String spec : ops) {
                Results.Staged s = b.runs().get(run(spec).label());
                List<Savings.Outcome> saved = b.target().checkpoints().stream()
                        .map(c -> SavingsTable.outcome(b, s, c, SavingsTable.VALIDATION_LOSS)).toList();
                Results.Growth g = s.growths().get(0);
                Dynamics.Probe probe = Dynamics.probe(b, s, 0);
                out.add(new Line(spec, spec.equals(op), b.target().name(), b.seed(), b.target().checkpoints(), saved,
                        g.lossBefore(), g.lossAfter(), probe == null ? Double.NaN : probe.result().ratio()));
            }
        }
        return out;
    }

    private List<Verdict> verdicts(List<Line> lines, boolean claimsLossPreserving) {
        List<Verdict> out = new ArrayList<>();
        for (Line l : lines.stream().filter(Line::candidate).toList()) {
            String where = l.target() + " seed " + l.seed();
            String figure = String.format(Locale.ROOT, "validation loss %.5f before growth, %.5f after (Δ/L %.1e)",
                    l.lossBefore(), l.lossAfter(), Math.abs(l.lossAfter() - l.lossBefore()) / l.lossBefore());
            if (claimsLossPreserving) {
                out.add(new Verdict("experiment", "loss preserved (" + where + ")", l.lossPreserved(),
                        l.lossPreserved() ? figure : op + " claims loss-preserving, but " + figure));
            }
        }
        if (minSaving == null) {
            return out;
        }
        for (String target : lines.stream().map(Line::target).distinct().toList()) {
            List<Line> seeds = lines.stream().filter(l -> l.candidate() && l.target().equals(target)).toList();
            long last = seeds.get(0).checkpoints().get(seeds.get(0).checkpoints().size() - 1);
            OptionalDouble mean = lastSaving(seeds);
            String name = String.format(Locale.ROOT, "saving at step %d ≥ %.1f%% (%s)", last, minSaving, target);
            if (mean.isEmpty()) {
                out.add(new Verdict("experiment", name, false, op + " was credited no saving at step " + last
                        + " of " + target + " (" + seeds.stream().map(l -> words(l.savings().get(l.savings().size() - 1)))
                        .distinct().reduce((a, b) -> a + ", " + b).orElse("") + ")"));
            } else {
                boolean ok = mean.getAsDouble() >= minSaving;
                out.add(new Verdict("experiment", name, ok, String.format(Locale.ROOT,
                        "%s saved %.1f%% at step %d of %s (mean over %d seed%s)%s", op, mean.getAsDouble(), last, target,
                        seeds.size(), seeds.size() == 1 ? "" : "s", ok ? "" : String.format(Locale.ROOT,
                                ", below the threshold of %.1f%%", minSaving))));
            }
        }
        return out;
    }

    /** @return the mean saving at the last checkpoint, empty when any seed was credited none */
    private static OptionalDouble lastSaving(List<Line> seeds) {
        double sum = 0;
        for (Line l : seeds) {
            OptionalDouble s = l.savings().get(l.savings().size() - 1).credited();
            if (s.isEmpty()) {
                return OptionalDouble.empty();
            }
            sum += s.getAsDouble();
        }
        return OptionalDouble.of(sum / seeds.size());
    }

    private static String words(Savings.Outcome o) {
        return switch (o.kind()) {
            case SAVED -> String.format(Locale.ROOT, "%.1f%%", o.percent());
            case BEFORE_GROWTH -> "reached before growth";
            case NOT_REACHED -> "not reached";
            case NO_SIGNAL -> "no signal";
            case DIVERGED -> "diverged";
        };
    }

    /**
     * @param o what the comparison found
     * @return the Markdown report: the experiment's table (savings at the checkpoints, loss at growth, dynamics)
     *         and every verdict
     */
    public static String markdown(Outcome o) {
        StringBuilder sb = new StringBuilder("# `" + o.operator() + "` against the baselines\n\n");
        if (!o.lines().isEmpty()) {
            List<Long> cps = o.lines().get(0).checkpoints();
            sb.append("Compute saved against the baseline trained from scratch, at the target's checkpoints (percent; "
                    + "negative: more compute), validation loss at growth, and the dynamics ratio after growth (1: the "
                    + "grown model trains like the target at the same loss).\n\n");
            sb.append("| operator | target | seed |");
            cps.forEach(c -> sb.append(" saved @ ").append(c).append(" |"));
            sb.append(" loss before → after growth | preserved | dynamics ratio |\n|---|---|---:|");
            cps.forEach(c -> sb.append("---:|"));
            sb.append("---|---|---:|\n");
            for (Line l : o.lines()) {
                sb.append("| ").append(l.candidate() ? "**" + l.operator() + "**" : l.operator()).append(" | ")
                        .append(l.target()).append(" | ").append(l.seed()).append(" |");
                l.savings().forEach(s -> sb.append(' ').append(words(s)).append(" |"));
                sb.append(String.format(Locale.ROOT, " %.4f → %.4f | %s | %s |%n", l.lossBefore(), l.lossAfter(),
                        l.lossPreserved() ? "yes" : "no", Double.isNaN(l.dynamicsRatio()) ? "-"
                                : String.format(Locale.ROOT, "%.2f", l.dynamicsRatio())));
            }
            sb.append('\n');
        } else {
            sb.append("The experiment was not run: the operator fails its conformance kit.\n\n");
        }
        sb.append("| group | check | result | figure |\n|---|---|---|---|\n");
        for (Verdict v : o.verdicts()) {
            sb.append("| ").append(v.group()).append(" | ").append(v.name()).append(" | ")
                    .append(v.passed() ? "pass" : "**FAIL**").append(" | ").append(v.message().replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /** @return one CSV row per operator, target, seed and checkpoint */
    public static String csv(Outcome o) {
        List<List<Object>> rows = new ArrayList<>();
        for (Line l : o.lines()) {
            for (int i = 0; i < l.checkpoints().size(); i++) {
                Savings.Outcome s = l.savings().get(i);
                rows.add(List.of(l.operator(), l.candidate(), l.target(), l.seed(), l.checkpoints().get(i),
                        s.kind().name().toLowerCase(Locale.ROOT), Double.isNaN(s.percent()) ? "" : s.percent(),
                        l.lossBefore(), l.lossAfter(), l.lossPreserved(),
                        Double.isNaN(l.dynamicsRatio()) ? "" : l.dynamicsRatio()));
            }
        }
        return CsvTable.write(List.of("operator", "candidate", "target", "seed", "checkpoint_step", "outcome",
                "percent_saved", "loss_before", "loss_after", "loss_preserved", "dynamics_ratio"), rows);
    }

    /** Loss against compute of the baseline and every operator's run, first seed of each target. */
    private static void figure(List<Results.Block> blocks, Path file) {
        List<Chart> panels = new ArrayList<>();
        for (Preset.Target t : blocks.stream().map(Results.Block::target).distinct().toList()) {
            Results.Block b = blocks.stream().filter(x -> x.target().equals(t)).findFirst().orElseThrow();
            Chart c = new Chart(t.name() + ": validation loss against compute", "training FLOPs",
                    "validation loss (nats/token)", true);
            c.line("baseline", b.baseline().rows().stream().map(r -> new double[] {r.flops(), r.valLoss()}).toList());
            b.runs().values().forEach(s -> c.line(s.run().stages().get(0), s.lossCurve()));
            panels.add(c);
        }
        Chart.writePng(file, panels);
    }
}
