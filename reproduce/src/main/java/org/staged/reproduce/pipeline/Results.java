package org.staged.reproduce.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.staged.models.train.TrainLog;
import org.staged.reproduce.preset.Preset;

/** What a reproduction produced, as the report reads it: curves, growths and constants per target and seed. */
public final class Results {
    private Results() {
    }

    /** A logged run, or one stage of it, on the target's schedule: its rows and where on the schedule step 0 lies. */
    public record Curve(List<TrainLog.Row> rows, long scheduleStart, long divergedAt) {
        /** A curve that ended as planned. */
        public Curve(List<TrainLog.Row> rows, long scheduleStart) {
            this(rows, scheduleStart, -1);
        }

        /** @return whether training stopped at a non-finite loss or gradient (at step {@code divergedAt}) */
        public boolean diverged() {
            return divergedAt >= 0;
        }

        /** @return a row's step on the target's schedule */
        public long scheduleStep(TrainLog.Row r) {
            return scheduleStart + r.step();
        }

        /** @return the last row */
        public TrainLog.Row last() {
            return rows.get(rows.size() - 1);
        }
    }

    /**
     * Where a growth happened.
     *
     * @param preGrowth         the parent's log row (and snapshot) grown from
     * @param preGrowthSchedule its step on the target's schedule
     * @param growthTarget      the target schedule's step the grown model continued from
     * @param how               how the point was chosen, for the report
     */
    public record Point(TrainLog.Row preGrowth, long preGrowthSchedule, long growthTarget, String how) {
        /** @return ρ = S_GROWTH-TARGET / S_PRE-GROWTH */
        public double rho() {
            return (double) growthTarget / preGrowthSchedule;
        }
    }

    /**
     * τ_G, ρ and τ_opt for one growth, and where they come from.
     *
     * @param kind which dimensions the growth changes (width, depth, depth,width): its Appendix D key
     */
    public record Constants(String kind, double tauGrowth, double rho, double tauOpt, String source) {
    }

    /** One growth as it happened: the point and the validation loss before and after growing. */
    public record Growth(String spec, Point point, double lossBefore, double lossAfter) {
    }

    /**
     * A grown run: the curve of each stage (the original's first) up to where the next stage grew from it,
     * the folder holding each stage's snapshots, and the growths between them; its zero-shot points lie on the
     * same segments (each PRE-GROWTH, then along the last stage).
     */
    public record Staged(Preset.GrownRun run, List<Curve> segments, List<Path> dirs, List<Growth> growths,
                         List<ZeroShot.Point> zeroShot) {
        /** @return the step where a stage of this run diverged, or -1 */
        public long divergedAt() {
            return segments.stream().filter(Curve::diverged).mapToLong(Curve::divergedAt).findFirst().orElse(-1);
        }

        /** @return the last stage's folder */
        public Path dir() {
            return dirs.get(dirs.size() - 1);
        }

        /** @return (compute, validation loss) along the whole staged run, compute counting every stage */
        public List<double[]> lossCurve() {
            List<double[]> pts = new ArrayList<>();
            for (Curve c : segments) {
                c.rows().forEach(r -> pts.add(new double[] {r.flops(), r.valLoss()}));
            }
            return pts;
        }

        /** @return the same run with its zero-shot points */
        Staged withZeroShot(List<ZeroShot.Point> points) {
            return new Staged(run, segments, dirs, growths, List.copyOf(points));
        }
    }

    /**
     * What one target and seed produced.
     *
     * @param runs      Table 1's grown runs by label
     * @param ablations Figure 3's ablations by label
     * @param constants the practical schedule's constants per growth (from shape → to shape)
     */
    public record Block(Preset.Target target, long seed, Curve baseline, List<ZeroShot.Point> baselineZeroShot,
                       Map<String, Staged> runs, Map<String, Staged> ablations, Map<String, Constants> constants) {
    }
}
