package org.staged.reproduce.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.staged.models.train.TrainLog;
import org.staged.reproduce.pipeline.GrowthPoints;
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
    public static boolean figure1(Reproduction.Block b, Path file) {
        Reproduction.Staged s = pick(b, "4xW-practical", "2xW-practical", "2xW-manual");
        if (s == null) {
            s = b.runs().values().iterator().next();   // the preset has none of the paper's width runs
        }
        GrowthPoints.Curve original = s.segments().get(0);
        GrowthPoints.Curve grown = s.segments().get(s.segments().size() - 1);
        Reproduction.Growth g = s.growths().get(0);
        Chart c = new Chart(b.target().name() + ": " + s.run().name() + " grown from a smaller model, vs. its baseline",
                "training FLOPs (all stages)", "validation loss (nats/token)", true)
                .line("baseline (target from scratch)", points(b.baseline(), false))
                .line("original (small)", points(original, false))
                .line(s.run().name() + " (grown)", withStart(g.point().preGrowth().flops(), g.lossAfter(),
                        points(grown, false)))
                .marker("PRE-GROWTH", g.point().preGrowth().flops(), g.lossBefore());
        TrainLog.Row target = nearest(b.baseline(), g.point().growthTarget());
        c.marker("GROWTH-TARGET", target.flops(), target.valLoss());
        GrowthPoints.Constants k = b.constants().get("width");
        TrainLog.Row opt = GrowthPoints.firstReaching(b.baseline(), k.tauOpt(), 0);
        if (opt != null) {
            c.marker("OPTIMALITY (τ_opt = " + String.format(java.util.Locale.ROOT, "%.3f", k.tauOpt()) + ")",
                    opt.flops(), opt.valLoss());
        }
        Chart.writePng(file, List.of(c));
        return true;
    }

    /**
     * Figure 2: loss preservation and training dynamics for width and depth: the grown model's curve laid over
     * the target's at GROWTH-TARGET, against steps of the target's schedule.
     *
     * @param b    a target's first seed
     * @param file PNG to write
     * @return whether the preset has the runs to draw
     */
    public static boolean figure2(Reproduction.Block b, Path file) {
        List<Chart> panels = new ArrayList<>();
        for (String[] which : new String[][] {{"width", "2xW-practical", "2xW-manual"}, {"depth", "2xD-practical",
            "2xD-manual"}}) {
            Reproduction.Staged s = pick(b, which[1], which[2], null);
            if (s == null) {
                continue;
            }
            Reproduction.Growth g = s.growths().get(0);
            GrowthPoints.Curve grown = s.segments().get(s.segments().size() - 1);
            panels.add(new Chart(which[0] + " growth (" + s.run().label() + ")", "step of the target's LR schedule",
                    "validation loss (nats/token)", false)
                    .line("target (baseline)", points(b.baseline(), true))
                    .line("original", points(s.segments().get(0), true))
                    .line("grown", withStart(g.point().growthTarget(), g.lossAfter(), points(grown, true)))
                    .marker("PRE-GROWTH", g.point().preGrowthSchedule(), g.lossBefore())
                    .marker("POST-GROWTH", g.point().growthTarget(), g.lossAfter()));
        }
        if (panels.isEmpty()) {
            return false;
        }
        Chart.writePng(file, panels);
        return true;
    }

    /** (x, loss) of a curve: x is FLOPs, or the step of the target's schedule. */
    static List<double[]> points(GrowthPoints.Curve c, boolean scheduleSteps) {
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

    private static TrainLog.Row nearest(GrowthPoints.Curve c, long scheduleStep) {
        TrainLog.Row best = c.rows().get(0);
        for (TrainLog.Row r : c.rows()) {
            if (Math.abs(c.scheduleStep(r) - scheduleStep) < Math.abs(c.scheduleStep(best) - scheduleStep)) {
                best = r;
            }
        }
        return best;
    }

    static Reproduction.Staged pick(Reproduction.Block b, String... labels) {
        for (String l : labels) {
            if (l != null && b.runs().containsKey(l)) {
                return b.runs().get(l);
            }
        }
        return null;
    }
}
