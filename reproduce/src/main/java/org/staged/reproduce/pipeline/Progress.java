package org.staged.reproduce.pipeline;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.staged.api.ModelConfig;
import org.staged.api.growth.GrowthOperators;
import org.staged.reproduce.preset.Preset;

/** Reports runs as they start and finish, with the elapsed time and an estimate for the whole preset. */
final class Progress {
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final double plannedWork;
    private double doneWork;
    private double measuredWork;
    private double measuredSeconds;
    private long runStartNanos;
    private double runWork;
    private int index;

    Progress(Preset preset, GrowthOperators registry, PrintStream out) {
        this.out = out;
        this.plannedWork = planned(preset, registry);
    }

    /** Work units of the whole preset, an upper bound: every grown stage to its schedule's end. */
    private static double planned(Preset p, GrowthOperators registry) {
        double w = 0;
        for (Preset.Target t : p.targets()) {
            ModelConfig c = t.config();
            double perSeed = work(c, t.steps());
            Set<String> originals = new HashSet<>();
            for (Preset.GrownRun r : p.runs()) {
                ModelConfig g = c;
                for (int k = r.stages().size() - 1; k >= 0; k--) {
                    ModelConfig o = Shapes.original(registry, r.stages().get(k), g);
                    perSeed += work(g, (long) (t.steps() * 0.8));
                    g = o;
                }
                if (originals.add(Reproduction.shape(g))) {
                    perSeed += work(g, Math.round(p.original() * t.steps()));
                }
            }
            perSeed += p.ablations().size() * work(c, Math.round(p.ablationSteps() * t.steps()));
            w += perSeed * p.seeds().size();
        }
        return w;
    }

    private static double work(ModelConfig c, long steps) {
        return (double) steps * c.trainingFlopsPerToken(c.contextLength());
    }

    void starting(String title, String target, long seed, ModelConfig cfg, long steps) {
        index++;
        runStartNanos = System.nanoTime();
        runWork = work(cfg, 1);
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        String left = measuredSeconds > 0 ? String.format(Locale.ROOT, ", preset ETA ≤ %s",
                duration(Math.max(0, plannedWork - doneWork) * measuredSeconds / measuredWork)) : "";
        out.printf(Locale.ROOT, "[%d] %s seed %d: %s — %s, %.2fM params, up to %d steps (elapsed %s%s)%n", index,
                target, seed, title, Reproduction.shape(cfg), cfg.totalParams() / 1e6, steps,
                duration(elapsed), left);
    }

    void finished(long stepsNow, long tokensPerStep) {
        double secs = (System.nanoTime() - runStartNanos) / 1e9;
        measuredWork += runWork * stepsNow;
        measuredSeconds += secs;
        doneWork += runWork * stepsNow;
        out.printf(Locale.ROOT, "    %d steps in %s, %.0f tokens/s%n", stepsNow, duration(secs),
                stepsNow * tokensPerStep / Math.max(secs, 1e-9));
    }

    void skipped(String title) {
        // finished in an earlier invocation: no time to measure, nothing to report
    }

    void evaluating(String what) {
        out.printf(Locale.ROOT, "zero-shot evaluation of %s (elapsed %s)%n", what,
                duration((System.nanoTime() - startNanos) / 1e9));
    }

    void finish() {
        out.printf(Locale.ROOT, "all runs finished in %s%n", duration((System.nanoTime() - startNanos) / 1e9));
    }

    private static String duration(double s) {
        return s < 90 ? String.format(Locale.ROOT, "%.0f s", s) : String.format(Locale.ROOT, "%.1f min", s / 60);
    }
}
