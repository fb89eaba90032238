package org.staged.reproduce.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import org.staged.api.AtomicFiles;
import org.staged.api.ModelConfig;
import org.staged.reproduce.pipeline.Results;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.preset.Preset;
import org.staged.schedule.KaplanLaw;
import org.staged.schedule.ScheduleSolution;
import org.staged.schedule.PracticalConstants;
import org.staged.schedule.ScheduleSolver;

/**
 * Writes a preset's results: Tables 1–4 and Appendix D as Markdown and CSV, Figures 1–2 as PNG, and
 * {@code REPORT.md}, which puts them together, states the scale, data, tokenizer and seeds, and compares each
 * table with the paper's findings from the numbers themselves.
 */
public final class Report {
    private Report() {
    }

    /**
     * @param root         the preset's results folder
     * @param preset       the preset
     * @param blocks       what it produced
     * @param wallSeconds  wall time of this invocation
     * @return the report's text
     */
    public static String write(Path root, Preset preset, List<Results.Block> blocks, double wallSeconds) {
        String t1 = SavingsTable.markdown(blocks, SavingsTable.VALIDATION_LOSS);
        AtomicFiles.writeString(root.resolve("table1.md"), "# Table 1: compute saved on validation loss\n\n" + t1);
        AtomicFiles.writeString(root.resolve("table1.csv"), SavingsTable.csv(blocks, SavingsTable.VALIDATION_LOSS));
        String t2w = SavingsTable.markdown(blocks, SavingsTable.WIKITEXT_PPL);
        String t2l = SavingsTable.markdown(blocks, SavingsTable.LAMBADA_ACCURACY);
        AtomicFiles.writeString(root.resolve("table2.md"), "# Table 2: compute saved on zero-shot WikiText-103 "
                + "perplexity and LAMBADA accuracy\n\n" + t2w + t2l
                + SavingsTable.markdown(blocks, SavingsTable.LAMBADA_TARGET_PPL));
        AtomicFiles.writeString(root.resolve("table2-wikitext.csv"), SavingsTable.csv(blocks, SavingsTable.WIKITEXT_PPL));
        AtomicFiles.writeString(root.resolve("table2-lambada.csv"), SavingsTable.csv(blocks, SavingsTable.LAMBADA_ACCURACY));
        String d = ConstantsTable.markdown(blocks);
        AtomicFiles.writeString(root.resolve("appendix-d.md"), "# Appendix D: practical schedule constants\n\n" + d);

        ScheduleSolver solver = new ScheduleSolver(KaplanLaw.TABLE_5, 3.0);
        List<Integer> ms = List.of(1, 2, 3, 4, 5, 10);
        List<ScheduleSolution> sols = new ArrayList<>();
        ms.forEach(m -> sols.add(solver.solve(m, null)));
        String t3 = ScheduleTables.table3(solver, KaplanLaw.TABLE_5, 3.0, ms, sols);
        String t4 = ScheduleTables.table4(sols.get(4), "steps");
        AtomicFiles.writeString(root.resolve("table3.md"), "# Table 3\n\n" + t3);
        AtomicFiles.writeString(root.resolve("table3.csv"), ScheduleTables.table3Csv(ms, sols));
        AtomicFiles.writeString(root.resolve("table4.md"), "# Table 4\n\n" + t4);
        AtomicFiles.writeString(root.resolve("table4.csv"), ScheduleTables.table4Csv(sols.get(4), "steps"));

        StringBuilder r = new StringBuilder();
        r.append("# Staged training, reproduced at the scale of preset `").append(preset.name()).append("`\n\n");
        r.append(preset.description()).append(".\n\n");
        r.append(setup(preset, blocks, wallSeconds));
        r.append("## Table 1: compute saved on in-domain validation loss\n\n").append(t1);
        r.append(regimes(blocks)).append(compare(blocks, SavingsTable.VALIDATION_LOSS));
        r.append("## Table 2: compute saved on zero-shot WikiText-103 perplexity and LAMBADA accuracy\n\n");
        r.append("Scored on ").append(share(preset)).append(". Perplexity is per word (one end-of-line per line, "
                + "as WikiText-103 counts its 245,569 test words), so it does not depend on the tokenizer.\n\n");
        r.append(t2w).append(compare(blocks, SavingsTable.WIKITEXT_PPL));
        r.append(t2l).append(compare(blocks, SavingsTable.LAMBADA_ACCURACY));
        if (blocks.stream().anyMatch(b -> b.baselineZeroShot().stream().allMatch(p -> p.lambadaAccuracy() == 0))) {
            r.append("The baseline gets no LAMBADA passage right at this scale (every token of the last word must be "
                    + "right), so accuracy carries no signal and its cells read \"no signal\". The perplexity of "
                    + "the last words does move:\n\n");
        }
        String t2t = SavingsTable.markdown(blocks, SavingsTable.LAMBADA_TARGET_PPL);
        r.append(t2t).append(compare(blocks, SavingsTable.LAMBADA_TARGET_PPL));
        r.append("## Growths: loss before and after\n\n").append(growths(blocks));
        r.append(Dynamics.section(blocks));
        r.append("## Figures\n\n");
        for (List<Results.Block> seeds : SavingsTable.byTarget(blocks).values()) {
            Results.Block b = seeds.get(0);
            String f1 = "figure1-" + b.target().name() + ".png";
            if (Figures.figure1(b, root.resolve(f1))) {
                r.append("Figure 1 (").append(b.target().name()).append("): original, grown and target loss against "
                        + "compute, with PRE-GROWTH, GROWTH-TARGET and OPTIMALITY.\n\n![](").append(f1).append(")\n\n");
            }
            String f2 = "figure2-" + b.target().name() + ".png";
            if (Figures.figure2(b, root.resolve(f2))) {
                r.append("Figure 2 (").append(b.target().name()).append("): the grown model keeps the loss at "
                        + "growth (PRE-GROWTH to POST-GROWTH) and follows the target's curve from GROWTH-TARGET on."
                        + "\n\n![](").append(f2).append(")\n\n");
            }
        }
        r.append(ablations(blocks, root));
        r.append("## Tables 3 and 4: the optimal schedule (Appendix C)\n\n");
        r.append("Solved exactly with the Kaplan et al. (2020) constants, independent of this preset's scale.\n\n");
        r.append(t3).append('\n').append(table3Comparison(sols)).append("\nTable 4 (M = 5, L_target = 3):\n\n")
                .append(t4).append('\n');
        r.append("## Appendix D: the practical schedule's constants\n\n").append(d).append('\n');
        AtomicFiles.writeString(root.resolve("REPORT.md"), r.toString());
        return r.toString();
    }

    private static String setup(Preset p, List<Results.Block> blocks, double wallSeconds) {
        StringBuilder s = new StringBuilder("## Setup\n\n");
        for (Preset.Target t : p.targets()) {
            ModelConfig c = blocks.stream().filter(b -> b.target().equals(t)).findFirst().orElseThrow().target().config();
            s.append(String.format(Locale.ROOT, "- target `%s`: %d layers × %d, %d heads, context %d; baseline %d steps "
                            + "of %d sequences (%s tokens); Tables 1–2 compare at steps %s%n", t.name(), c.nLayer(),
                    c.dModel(), c.nHead(), c.contextLength(), t.steps(), p.training().batch(),
                    String.format(Locale.ROOT, "%,d", t.steps() * p.training().batch() * c.contextLength()),
                    t.checkpoints()));
        }
        if (p.data().shards() != null) {
            s.append(String.format(Locale.ROOT, "- data: the token shards in `%s` (prepared from %s), streamed%n",
                    p.data().shards(), String.join(" and ", p.data().sources())));
        } else {
            s.append(String.format(Locale.ROOT, "- data: %s, the first %,d characters, %.1f%% held out for validation%s%n",
                    String.join(" and ", p.data().sources()), p.data().maxChars(), 100 * p.data().valFraction(),
                    p.data().sources().contains("wikipedia_en") ? ". Wikipedia text makes WikiText-103 partly in-domain "
                            + "here (the paper trains on C4)" : ""));
        }
        s.append("- tokenizer: `").append(p.data().tokenizer()).append("`; seeds: ").append(p.seeds()).append('\n');
        String decay = p.training().decaySteps() > 0
                ? String.format(Locale.ROOT, "over %,d steps, while runs stop at the target's steps (the paper "
                        + "follows Kaplan et al., who decay over 250k steps, so its curves see a near-constant LR)", p.training().decaySteps())
                : "over the target's steps";
        String peak = p.training().perSizeLr() ? "each model's own peak LR, 0.003239 − 0.0001395·log10(N) with N its "
                + "non-embedding parameters (a grown model its own size's)" : String.format(Locale.ROOT, "peak LR %.3g",
                p.training().lr());
        s.append(String.format(Locale.ROOT, "- schedule: %s, warmup %d steps, cosine decay to 10%% %s, "
                        + "shared by every model of a target; %s; dropout %.2f%n", peak, p.training().warmup(),
                decay, String.format(Locale.ROOT, p.constants() == Preset.Constants.ESTIMATED
                        ? "original models train %.0f%% of the target's steps (their curves give the constants), and a "
                        + "practical run takes its first stage from its original up to the slope's τ_G crossing"
                        : "original models train until their slope reaches τ_G, at most %.0f%% of the target's steps",
                        100 * p.original()), p.training().dropout()));
        s.append("- practical constants: ").append(p.constants() == Preset.Constants.ESTIMATED
                ? "estimated for each growth from the curves of its two models trained from scratch (Appendix D below)" : "the paper's Appendix D").append('\n');
        s.append("- savings count every stage's compute (the original's included) and interpolate in log-compute; a "
                + "grown run stops once it reaches the baseline's final loss, or at the end of the schedule\n");
        s.append(String.format(Locale.ROOT, "- wall time of this invocation: %.1f min (finished runs are reused)%n%n",
                wallSeconds / 60));
        return s.toString();
    }

    private static String share(Preset p) {
        return (p.eval().wikitextChars() == 0 ? "all of WikiText-103's test split" : String.format(Locale.ROOT,
                "the first %,d characters of WikiText-103's test split", p.eval().wikitextChars()))
                + (p.eval().lambadaPassages() == 0 ? " and all 5,153 LAMBADA passages" : String.format(Locale.ROOT,
                " and the first %,d LAMBADA passages", p.eval().lambadaPassages()));
    }

    /** The paper's qualitative findings, checked against this preset's numbers. */
    private static String compare(List<Results.Block> blocks, SavingsTable.Metric metric) {
        int positive = 0;
        int cells = 0;
        int unreached = 0;
        int diverged = 0;
        int before = 0;
        int noSignal = 0;
        List<String> notFalling = new ArrayList<>();
        List<String> depthVsWidth = new ArrayList<>();
        for (Results.Block b : blocks) {
            for (Results.Staged s : b.runs().values()) {
                Double first = null;
                Double last = null;
                for (long c : b.target().checkpoints()) {
                    org.staged.eval.compute.Savings.Outcome o = SavingsTable.outcome(b, s, c, metric);
                    OptionalDouble v = o.credited();
                    cells++;
                    switch (o.kind()) {
                        case NOT_REACHED -> unreached++;
                        case BEFORE_GROWTH -> before++;
                        case NO_SIGNAL -> noSignal++;
                        case DIVERGED -> diverged++;
                        case SAVED -> { }
                    }
                    if (v.isEmpty()) {
                        continue;
                    }
                    positive += v.getAsDouble() > 0 ? 1 : 0;
                    first = first == null ? v.getAsDouble() : first;
                    last = v.getAsDouble();
                }
                if (first != null && last != null && last > first) {
                    notFalling.add(s.run().label() + " (" + b.target().name() + ", seed " + b.seed() + ")");
                }
            }
            for (String[] pair : new String[][] {{"2xD-practical", "2xW-practical"}, {"4xD-practical", "4xW-practical"},
                {"2xD-manual", "2xW-manual"}}) {
                if (b.runs().containsKey(pair[0]) && b.runs().containsKey(pair[1])) {
                    long c = b.target().checkpoints().get(0);
                    var dv = SavingsTable.outcome(b, b.runs().get(pair[0]), c, metric);
                    var wv = SavingsTable.outcome(b, b.runs().get(pair[1]), c, metric);
                    depthVsWidth.add(String.format(Locale.ROOT, "%s %s vs %s %s", pair[0], fmt(dv), pair[1], fmt(wv)));
                }
            }
        }
        StringBuilder s = new StringBuilder("Against the paper: ");
        s.append(String.format(Locale.ROOT, "%d of %d cells save compute (%d not reached, %d reached by the original "
                + "before growing, %d without a baseline signal%s); the paper's %s savings are %s. ", positive, cells,
                unreached, before, noSignal, diverged > 0 ? ", " + diverged + " in runs that diverged" : "", metric.name(), metric == SavingsTable.VALIDATION_LOSS
                ? "positive in every cell" : "negative in some early cells (width) and positive later"));
        s.append(notFalling.isEmpty() ? "Savings shrink (or stay) as the baseline trains longer, as in the paper. "
                : "Savings grow with longer training for " + String.join(", ", notFalling)
                + ", unlike the paper, where they shrink. ");
        if (!depthVsWidth.isEmpty()) {
            s.append("The paper finds depth saving more than width at the same growth; here, at the first checkpoint: ")
                    .append(String.join("; ", depthVsWidth)).append('.');
        }
        return s.append("\n\n").toString();
    }

    /** Slopes within this distance of τ_opt count as at OPTIMALITY (the paper's 10k-step checkpoint: −0.05). */
    static final double REGIME_BAND = 0.008;

    /**
     * Where the baseline's checkpoints sit against τ_opt, as the paper places its GPT2-LARGE checkpoints: slope
     * −0.1 (under-trained), −0.05 (≈ OPTIMALITY, τ_opt = −0.052) and −0.04 (beyond).
     */
    static String regimes(List<Results.Block> blocks) {
        double tau = PracticalConstants.APPENDIX_D.tauOpt();
        StringBuilder s = new StringBuilder();
        for (List<Results.Block> seeds : SavingsTable.byTarget(blocks).values()) {
            Preset.Target t = seeds.get(0).target();
            List<String> slopes = new ArrayList<>();
            List<String> where = new ArrayList<>();
            for (long c : t.checkpoints()) {
                double v = seeds.stream().mapToDouble(b -> SavingsTable.slopeAt(b, c)).average().orElseThrow();
                slopes.add(String.format(Locale.ROOT, "%.3f", v));
                where.add(Math.abs(v - tau) <= REGIME_BAND ? "≈ OPTIMALITY"
                        : v < tau ? "under-trained" : "beyond OPTIMALITY");
            }
            s.append(String.format(Locale.ROOT, "Where the checkpoints sit (%s): the baseline's slope at steps %s is %s "
                            + "against τ_opt = %.3f (Appendix D), so they are %s. The paper's are −0.1, −0.05 and −0.04: "
                            + "under-trained, ≈ OPTIMALITY, beyond.%n%n", t.name(), t.checkpoints(),
                    String.join(", ", slopes), tau, String.join(", ", where)));
        }
        return s.toString();
    }

    private static String fmt(org.staged.eval.compute.Savings.Outcome o) {
        return switch (o.kind()) {
            case SAVED -> String.format(Locale.ROOT, "%.1f%%", o.percent());
            case BEFORE_GROWTH -> "before growth";
            case NOT_REACHED -> "not reached";
            case NO_SIGNAL -> "no signal";
            case DIVERGED -> "diverged";
        };
    }

    private static String growths(List<Results.Block> blocks) {
        StringBuilder s = new StringBuilder("Validation loss of the parent at PRE-GROWTH and of the grown model before "
                + "its first step (the same batches): equal for a loss-preserving operator.\n\n");
        s.append("| target | seed | run | growth | PRE-GROWTH step | GROWTH-TARGET step | ρ | loss before | loss after "
                + "| how chosen |\n|---|---:|---|---|---:|---:|---:|---:|---:|---|\n");
        for (Results.Block b : blocks) {
            for (Results.Staged st : b.runs().values()) {
                for (Results.Growth g : st.growths()) {
                    s.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %d | %d | %.3f | %.4f | %.4f | %s |%n",
                            b.target().name(), b.seed(), st.run().label(), g.spec(), g.point().preGrowthSchedule(),
                            g.point().growthTarget(), g.point().rho(), g.lossBefore(), g.lossAfter(), g.point().how()));
                }
            }
        }
        return s.append('\n').toString();
    }

    /** Figure 3 and its numbers: loss right after growing, and how far each run got in the same compute. */
    private static String ablations(List<Results.Block> blocks, Path root) {
        if (blocks.stream().allMatch(b -> b.ablations().isEmpty())) {
            return "";
        }
        StringBuilder s = new StringBuilder("## Figure 3: prior work and ablations (§6.3)\n\n");
        for (List<Results.Block> seeds : SavingsTable.byTarget(blocks).values()) {
            Results.Block b = seeds.get(0);
            String f3 = "figure3-" + b.target().name() + ".png";
            if (Figures.figure3(b, root.resolve(f3))) {
                s.append("![](").append(f3).append(")\n\n");
            }
        }
        s.append("| target | seed | run | loss before growth | loss after | change | loss at the end | steps after "
                + "growth | LR continued at |\n|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
        for (Results.Block b : blocks) {
            List<Results.Staged> rows = new ArrayList<>(b.ablations().values());
            for (String l : List.of("2xW-practical", "2xD-practical")) {
                if (b.runs().containsKey(l)) {
                    rows.add(b.runs().get(l));
                }
            }
            for (Results.Staged st : rows) {
                Results.Growth g = st.growths().get(0);
                var last = st.segments().get(st.segments().size() - 1);
                s.append(String.format(Locale.ROOT, "| %s | %d | %s | %.4f | %.4f | %+.2f%% | %.4f | %d | %d |%n",
                        b.target().name(), b.seed(), st.run().label(), g.lossBefore(), g.lossAfter(),
                        100 * (g.lossAfter() - g.lossBefore()) / g.lossBefore(), last.last().valLoss(),
                        last.last().step(), last.scheduleStart()));
            }
        }
        return s.append("\nThe paper: stack-copy and ffn-share raise the loss at growth (not loss-preserving); "
                + "zero optimizer state keeps the loss but trains unstably; restarting the LR schedule does not follow "
                + "the target's curve. Compare the change at growth and the loss reached above.\n\n").toString();
    }

    private static String table3Comparison(List<ScheduleSolution> sols) {
        StringBuilder s = new StringBuilder("| stages | ours | paper | difference |\n|---:|---:|---:|---:|\n");
        int[] ms = {1, 2, 3, 4, 5, 10};
        double worst = 0;
        for (int i = 0; i < ms.length; i++) {
            double ours = sols.get(i).reductionFactor();
            double paper = ScheduleTables.PAPER_TABLE_3[i];
            worst = Math.max(worst, Math.abs(ours - paper));
            s.append(String.format(Locale.ROOT, "| %d | %.4f | %.3f | %+.4f |%n", ms[i], ours, paper, ours - paper));
        }
        return s.append(String.format(Locale.ROOT, "%nEvery factor agrees with the paper within %.4f.%n", worst))
                .toString();
    }
}
