package org.staged.reproduce.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.staged.models.train.TrainLog;

/**
 * Table 2's zero-shot metrics for one target and seed, where Table 1 compares: the baseline at its checkpoints
 * and spread over its log, each grown run at every PRE-GROWTH (an original shared by several runs is
 * evaluated once) and spread over its last stage. Each folder's snapshots are evaluated once, side by side.
 */
final class Evaluations {
    private final ZeroShot zeroShot;
    private final RunExecutor pool;
    private final int points;

    /** The baseline's points, and the runs with theirs. */
    record Evaluated(List<ZeroShot.Point> baseline, List<Results.Staged> runs) {
    }

    Evaluations(ZeroShot zeroShot, RunExecutor pool, int points) {
        this.zeroShot = zeroShot;
        this.pool = pool;
        this.points = points;
    }

    Evaluated evaluate(SeedContext ctx, Path baselineDir, Results.Curve baseline, List<Long> checkpoints,
                       List<Results.Staged> runs) {
        Map<Path, TreeSet<Long>> at = new LinkedHashMap<>();
        Map<Path, TreeMap<Long, TrainLog.Row>> rowsOf = new LinkedHashMap<>();
        want(at, rowsOf, baselineDir, baseline.rows(), new TreeSet<>(checkpoints));
        want(at, rowsOf, baselineDir, baseline.rows(), ZeroShot.spread(baseline.rows(), points));
        for (Results.Staged s : runs) {
            for (int k = 0; k < s.segments().size(); k++) {
                List<TrainLog.Row> rows = s.segments().get(k).rows();
                boolean last = k == s.segments().size() - 1;
                want(at, rowsOf, s.dirs().get(k), rows, last ? ZeroShot.spread(rows, points)
                        : List.of(rows.get(rows.size() - 1).step()));
            }
        }
        List<Path> dirs = List.copyOf(at.keySet());
        List<RunExecutor.Job<List<ZeroShot.Point>>> evals = new ArrayList<>();
        for (Path d : dirs) {
            String folder = ctx.dir().relativize(d).toString();
            evals.add(new RunExecutor.Job<>(new RunExecutor.JobKey(ctx.target().name(), ctx.seed(),
                    RunExecutor.JobKey.ZERO_SHOT + folder), "zero-shot evaluation of " + folder,
                    () -> zeroShot.evaluate(d, List.copyOf(rowsOf.get(d).values()), List.copyOf(at.get(d)), ctx.tok())));
        }
        List<List<ZeroShot.Point>> done = pool.all(evals);
        Map<Path, Map<Long, ZeroShot.Point>> byDir = new LinkedHashMap<>();
        for (int i = 0; i < dirs.size(); i++) {
            Map<Long, ZeroShot.Point> m = new LinkedHashMap<>();
            done.get(i).forEach(pt -> m.put(pt.step(), pt));
            byDir.put(dirs.get(i), m);
        }
        List<Results.Staged> out = new ArrayList<>();
        for (Results.Staged s : runs) {
            List<ZeroShot.Point> pts = new ArrayList<>();
            for (int k = 0; k < s.segments().size(); k++) {
                Results.Curve seg = s.segments().get(k);
                boolean last = k == s.segments().size() - 1;
                Map<Long, ZeroShot.Point> m = byDir.get(s.dirs().get(k));
                for (TrainLog.Row r : seg.rows()) {
                    if (m.containsKey(r.step()) && (last || r == seg.last())) {
                        pts.add(m.get(r.step()));
                    }
                }
            }
            out.add(s.withZeroShot(pts));
        }
        List<ZeroShot.Point> base = new ArrayList<>(byDir.get(baselineDir).values());
        base.sort(Comparator.comparingLong(ZeroShot.Point::step));
        return new Evaluated(base, out);
    }

    /** Adds steps to evaluate in a folder, and the rows they are found in (a staged run's stages share one). */
    private static void want(Map<Path, TreeSet<Long>> at, Map<Path, TreeMap<Long, TrainLog.Row>> rowsOf, Path dir,
                             List<TrainLog.Row> rows, java.util.Collection<Long> steps) {
        at.computeIfAbsent(dir, d -> new TreeSet<>()).addAll(steps);
        TreeMap<Long, TrainLog.Row> m = rowsOf.computeIfAbsent(dir, d -> new TreeMap<>());
        rows.forEach(r -> m.putIfAbsent(r.step(), r));
    }
}
