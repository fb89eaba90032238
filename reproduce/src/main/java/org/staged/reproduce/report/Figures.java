package org.staged.reproduce.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.staged.models.train.TrainLog;
import org.staged.reproduce.pipeline.Results;
import org.staged.reproduce.pipeline.Reproduction;

/** The paper's figures, drawn from a preset's own runs (one file per figure and target, first seed). */
public final class Figures {
    private Figures() {
    }

    /**
     * Figure 1: original, grown and target (baseline) loss against compute, with PRE-GROWTH, GROWTH-TARGET and
     * OPTIMALITY marked, for the run growing the most in one stage by width (4xW, as the paper's figure).
     *
     * @param b    a target's first seed
     * @param file PNG to write
     * @return whether the figure was drawn
     */
    public static boolean figure1(Results.Block b, Path file) {
        Results.Staged s = pick(b, "4xW-practical", "2xW-practical", "2xW-manual");
        if (s == null) {
            s = b.runs().values().iterator().next();   // the preset has none of the paper's width runs
        }
        Results.Curve original = s.segments().get(0);
        Results.Curve grown = s.segments().get(s.segments().size() - 1);
        Results.Growth g = s.growths().get(0);
        Chart c = new Chart(b.target().name() + ": " + s.run().name() + " grown from a smaller model, vs. its baseline",
                "training FLOPs (all stages)", "validation loss (nats/token)", true)
                .line("baseline (target from scratch)", points(b.baseline(), false))
                .line("original (small)", points(original, false))
                .line(s.run().name() + " (grown)", withStart(g.point().preGrowth().flops(), g.lossAfter(),
                        points(grown, false)))
                .marker("PRE-GROWTH", g.point().preGrowth().flops(), g.lossBefore());
        TrainLog.Row target = nearest(b.baseline(), g.point().growthTarget());
        c.marker("GROWTH-TARGET", target.flops(), target.valLoss());
        Results.Constants k = b.constants().values().stream().filter(x -> x.kind().equals("width")).findFirst()
                .orElse(b.constants().values().iterator().next());
        TrainLog.Row opt = org.staged.run.SlopeRule.firstCrossing(b.baseline().rows(), k.tauOpt(), 0).orElse(null);
        if (opt != null) {
            c.marker("OPTIMALITY (τ_opt = " + String.format(java.util.Locale.ROOT, "%.3f", k.tauOpt()) + ")",
                    opt.flops(), opt.valLoss());
        }
        Chart.writePng(file, List.of(c));
        return true;
    }

    /** Validation points shown before and after growth in the zoomed figures. */
    static final int ZOOM_BEFORE = 5;
    static final int ZOOM_AFTER = 25;

    /**
     * Figure 2: loss preservation and training dynamics for width and depth: each grown model's curve laid over
     * the target's at GROWTH-TARGET, against steps of the target's schedule, zoomed on the window around
     * growth. The width panel overlays every single-growth width run (the paper's recipe and its variants).
     *
     * @param b    a target's first seed
     * @param file PNG to write
     * @return whether the preset has the runs to draw
     */
    public static boolean figure2(Results.Block b, Path file) {
        List<Chart> panels = new ArrayList<>();
        for (String kind : new String[] {"width", "depth"}) {
            List<Results.Staged> runs = b.runs().values().stream().filter(s -> s.run().stages().size() == 1
                    && org.staged.api.growth.GrowthOperators.splitOutsideParentheses(s.run().stages().get(0), ',')
                    .size() == 1 && s.run().stages().get(0).startsWith(kind)).toList();
            if (runs.isEmpty()) {
                continue;
            }
            Results.Staged first = runs.get(0);
            Results.Growth g0 = first.growths().get(0);
            long every = evalEvery(b.baseline());
            Chart c = new Chart(kind + " growth, zoomed on the growth", "step of the target's LR schedule",
                    "validation loss (nats/token)", false)
                    .line("target (baseline)", points(b.baseline(), true))
                    .line("original", points(first.segments().get(0), true));
            long lo = Long.MAX_VALUE;
            long hi = 0;
            for (Results.Staged s : runs) {
                Results.Growth g = s.growths().get(0);
                Results.Curve grown = s.segments().get(s.segments().size() - 1);
                c.line(s.run().label(), withStart(g.point().growthTarget(), g.lossAfter(), points(grown, true)));
                lo = Math.min(lo, Math.min(g.point().growthTarget(), g.point().preGrowthSchedule()));
                hi = Math.max(hi, g.point().growthTarget());
            }
            c.marker("PRE-GROWTH", g0.point().preGrowthSchedule(), g0.lossBefore())
                    .marker("POST-GROWTH", g0.point().growthTarget(), g0.lossAfter())
                    .window(lo - ZOOM_BEFORE * every, hi + ZOOM_AFTER * every);
            panels.add(c);
        }
        if (panels.isEmpty()) {
            return false;
        }
        Chart.writePng(file, panels);
        return true;
    }

    private static long evalEvery(Results.Curve c) {
        return c.rows().size() > 1 ? c.rows().get(1).step() - c.rows().get(0).step() : 1;
    }

    /**
     * Figure 3 (§6.3): prior-work operators, the optimizer state reset to zero, and the LR schedule restarted,
     * each beside the paper's operator grown at the same point, against compute, zoomed on the stretch the
     * ablations train after growing.
     *
     * @param b    a target's first seed
     * @param file PNG to write
     * @return whether the preset has ablations to draw
     */
    public static boolean figure3(Results.Block b, Path file) {
        String[][] panels = {
            {"prior work (not loss-preserving)", "ablation-stack-copy", "2xD-practical", "ablation-ffn-share",
                "2xW-practical"},
            {"optimizer state reset to zero", "ablation-depth-zero-opt", "2xD-practical", "ablation-width-zero-opt",
                "2xW-practical"},
            {"LR restart vs. GROWTH-TARGET", "ablation-depth-lr-restart", "2xD-practical", "ablation-width-lr-restart",
                "2xW-practical"}};
        List<Chart> charts = new ArrayList<>();
        for (String[] p : panels) {
            Chart c = new Chart(p[0], "training FLOPs (all stages)", "validation loss (nats/token)", true)
                    .line("target (baseline)", points(b.baseline(), false));
            boolean any = false;
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (int i = 1; i < p.length; i++) {
                Results.Staged s = b.ablations().containsKey(p[i]) ? b.ablations().get(p[i]) : b.runs().get(p[i]);
                if (s != null) {
                    List<double[]> part = grownPart(s);
                    c.line(s.run().label(), part);
                    if (s.run().ablation()) {
                        any = true;
                        lo = Math.min(lo, part.get(0)[0]);
                        hi = Math.max(hi, part.get(part.size() - 1)[0]);
                    }
                }
            }
            if (any) {
                charts.add(c.window(lo / 1.1, hi * 1.1));
            }
        }
        if (charts.isEmpty()) {
            return false;
        }
        Chart.writePng(file, charts);
        return true;
    }

    /** The last stage of a run against compute, from the loss right after its growth. */
    private static List<double[]> grownPart(Results.Staged s) {
        Results.Growth g = s.growths().get(s.growths().size() - 1);
        return withStart(g.point().preGrowth().flops(), g.lossAfter(),
                points(s.segments().get(s.segments().size() - 1), false));
    }

    /** (x, loss) of a curve: x is FLOPs, or the step of the target's schedule. */
    static List<double[]> points(Results.Curve c, boolean scheduleSteps) {
        List<double[]> out = new ArrayList<>();
        for (TrainLog.Row r : c.rows()) {
            out.add(new double[] {scheduleSteps ? c.scheduleStep(r) : r.flops(), r.valLoss()});
        }
        return out;
    }

    /** The grown curve starts where growth left it, before its first step. */
    private static List<double[]> withStart(double x, double loss, List<double[]> rest) {
        List<double[]> out = new ArrayList<>();
        out.add(new double[] {x, loss});
        out.addAll(rest);
        return out;
    }

    private static TrainLog.Row nearest(Results.Curve c, long scheduleStep) {
        TrainLog.Row best = c.rows().get(0);
        for (TrainLog.Row r : c.rows()) {
            if (Math.abs(c.scheduleStep(r) - scheduleStep) < Math.abs(c.scheduleStep(best) - scheduleStep)) {
                best = r;
            }
        }
        return best;
    }

    static Results.Staged pick(Results.Block b, String... labels) {
        for (String l : labels) {
            if (l != null && b.runs().containsKey(l)) {
                return b.runs().get(l);
            }
        }
        return null;
    }
}
