package org.staged.reproduce.pipeline;

import org.staged.run.Shapes;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.staged.api.ModelConfig;
import org.staged.api.growth.GrowthOperators;
import org.staged.eval.text.Tokenizers;
import org.staged.reproduce.preset.Preset;

/**
 * Reports runs as they start and finish, with the elapsed time and an estimate for the whole preset. Runs
 * may overlap (see {@link RunPool}), so every method is synchronized and each run carries its own clock.
 */
public final class Progress {
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final double plannedWork;
    private double doneWork;
    private double measuredWork;
    private double measuredSeconds;
    private int index;
    private int parallel;
    private boolean inTask;

    /** One started run: its number and clock. */
    public record Run(int index, long startNanos) {
    }

    Progress(Preset preset, GrowthOperators registry, PrintStream out) {
        this.out = out;
        this.plannedWork = planned(preset, registry);
        this.parallel = preset.parallelRuns();
    }

    /**
     * Work units of the whole preset, an upper bound: every grown stage to its schedule's end, with the
     * tokenizer's vocabulary (the LM head is much of a small model's compute).
     */
    static double planned(Preset p, GrowthOperators registry) {
        double w = 0;
        for (Preset.Target t : p.targets()) {
            ModelConfig c = t.config().withVocabSize(Tokenizers.vocabSize(p.data().tokenizer()));
            double perSeed = work(c, t.steps());
            Set<String> originals = new HashSet<>();
            for (Preset.GrownRun r : p.runs()) {
                ModelConfig g = c;
                for (int k = r.stages().size() - 1; k >= 0; k--) {
                    ModelConfig o = Shapes.original(registry, r.stages().get(k), g);
                    perSeed += work(g, t.steps());
                    g = o;
                }
                if (originals.add(RunFolders.shape(g))) {
                    perSeed += work(g, Math.round(p.original() * t.steps()));
                }
            }
            perSeed += p.ablations().size() * work(c, Math.round(p.ablationSteps() * t.steps()));
            w += perSeed * p.seeds().size();
        }
        return w;
    }

    /** @param slots runs that go side by side, by which the ETA divides the work left */
    synchronized void slots(int slots) {
        this.parallel = Math.max(1, slots);
    }

    /** @return what this JVM's runs measured: work done and the seconds it took (a cluster's task reports it) */
    synchronized JobReport report(java.util.List<String> lines) {
        return new JobReport(lines, measuredWork, measuredSeconds);
    }

    private static double work(ModelConfig c, long steps) {
        return (double) steps * c.trainingFlopsPerToken(c.contextLength());
    }

    synchronized Run starting(String title, String target, long seed, ModelConfig cfg, long steps) {
        index++;
        out.printf(Locale.ROOT, "[%d] %s seed %d: %s — %s, %.2fM params, up to %d steps (%s)%n", index,
                target, seed, title, RunFolders.shape(cfg), cfg.totalParams() / 1e6, steps, clock());
        return new Run(index, System.nanoTime());
    }

    /**
     * A job that started on another machine.
     *
     * @param title the job's title
     * @param where the executor, host and attempt
     */
    public synchronized Run startedElsewhere(String title, String target, long seed, String where) {
        index++;
        out.printf(Locale.ROOT, "[%d] %s seed %d: %s — on %s (%s)%n", index, target, seed, title, where, clock());
        return new Run(index, System.nanoTime());
    }

    /** A job finished on another machine: its lines, under the job's number, and its work towards the ETA. */
    public synchronized void finishedElsewhere(Run run, JobReport report) {
        measuredWork += report.work();
        measuredSeconds += report.seconds();
        doneWork += report.work();
        for (String line : report.lines()) {   // the task's own numbering and clock give way to the driver's
            String l = line.replaceFirst("^\\s*\\[[-0-9]+] ", "").replaceFirst(" \\(elapsed [^)]*\\)$", "");
            out.printf(Locale.ROOT, "    [%d] %s%n", run.index(), l);
        }
        out.printf(Locale.ROOT, "    [%d] finished in %s%n", run.index(), duration((System.nanoTime() - run.startNanos()) / 1e9));
    }

    /** @return the elapsed time and, once a run has been measured, the preset's ETA */
    private String clock() {
        String left = measuredSeconds > 0 ? String.format(Locale.ROOT, ", preset ETA ≤ %s",
                duration(Math.max(0, plannedWork - doneWork) * measuredSeconds / measuredWork / parallel)) : "";
        return "elapsed " + duration((System.nanoTime() - startNanos) / 1e9) + left;
    }

    /**
     * @param run           the run
     * @param stepsNow      steps this invocation trained
     * @param work          their work: steps times training FLOPs per token, summed over stages
     * @param tokensPerStep tokens of one step
     */
    synchronized void finished(Run run, long stepsNow, double work, long tokensPerStep) {
        double secs = (System.nanoTime() - run.startNanos()) / 1e9;
        measuredWork += work;
        measuredSeconds += secs;
        doneWork += work;
        out.printf(Locale.ROOT, "    [%d] %d steps in %s, %.0f tokens/s%n", run.index(), stepsNow, duration(secs),
                stepsNow * tokensPerStep / Math.max(secs, 1e-9));
    }

    /** A line about a run as it goes (a growth), under the run's number. */
    public synchronized void note(Run run, String line) {
        out.printf(Locale.ROOT, "    [%s] %s%n", run == null ? "-" : String.valueOf(run.index()), line);
    }

    /** Makes this the progress of one job in a cluster's task, whose driver says itself when a seed evaluates. */
    synchronized void inTask() {
        this.inTask = true;
    }

    synchronized void evaluating(String what) {
        if (inTask) {
            return;
        }
        out.printf(Locale.ROOT, "zero-shot evaluation of %s (elapsed %s)%n", what,
                duration((System.nanoTime() - startNanos) / 1e9));
    }

    synchronized void finish() {
        out.printf(Locale.ROOT, "all runs finished in %s%n", duration((System.nanoTime() - startNanos) / 1e9));
    }

    private static String duration(double s) {
        return s < 90 ? String.format(Locale.ROOT, "%.0f s", s) : String.format(Locale.ROOT, "%.1f min", s / 60);
    }
}
