package org.staged.schedule;

import java.util.List;

/**
 * Appendix C's optimal schedule ({@link AppendixC}, the problem) found with {@link NewtonSqp} (the method)
 * from several deterministic starts: the cheapest converged, feasible result wins. A start that does not
 * converge is reported, never returned; when none converges the solver says so.
 */
public final class ScheduleSolver {
    /** Two starts whose optima differ by less than this in ln(compute) found the same one. */
    private static final double AGREE = 1e-9;
    /** Ratio sequences tried at most (|ratios|^(M−1)). */
    private static final int MAX_SEQUENCES = 4096;

    private final AppendixC problem;

    /**
     * @param law        the scaling law
     * @param targetLoss L_target, above the law's floor
     * @throws IllegalArgumentException when no model size reaches {@code targetLoss}
     */
    public ScheduleSolver(ScalingLaw law, double targetLoss) {
        this.problem = new AppendixC(law, targetLoss);
    }

    /** @return N of the compute-optimal single-stage run to the target loss */
    public double singleStageParams() {
        return problem.singleStageParams();
    }

    /**
     * The optimal M-stage schedule.
     *
     * @param stages  M ≥ 1
     * @param pinnedN N_M, or null to leave the final size free (as the paper's Tables 3 and 4 need)
     * @return the schedule
     * @throws IllegalArgumentException for M &lt; 1 or a pinned size that cannot reach the target
     * @throws IllegalStateException when no start converges to a feasible point
     */
    public ScheduleSolution solve(int stages, Double pinnedN) {
        return solve(stages, pinnedN, null);
    }

    /**
     * The optimal M-stage schedule whose growth ratios N_k/N_{k−1} are restricted to a set (the operators
     * can only double the width, ×4 parameters, or the depth, ×2): every sequence of ratios is tried.
     *
     * @param stages  M ≥ 1
     * @param pinnedN N_M, or null to leave the final size free
     * @param ratios  allowed ratios, each ≥ 1, or null for any non-decreasing sizes
     * @return the best schedule over all ratio sequences
     * @throws IllegalArgumentException for an empty ratio set, a ratio below 1, or too many sequences
     * @throws IllegalStateException when no start converges to a feasible point
     */
    public ScheduleSolution solve(int stages, Double pinnedN, double[] ratios) {
        if (ratios != null) {
            if (ratios.length == 0) {
                throw new IllegalArgumentException("--ratios: the set of growth ratios is empty");
            }
            for (double r : ratios) {
                if (!(r >= 1)) {
                    throw new IllegalArgumentException("--ratios: growth ratios must be >= 1, found " + r);
                }
            }
            if (Math.pow(ratios.length, stages - 1) > MAX_SEQUENCES) {
                throw new IllegalArgumentException("--ratios: " + ratios.length + "^" + (stages - 1)
                        + " ratio sequences for " + stages + " stages exceed " + MAX_SEQUENCES + "; use fewer stages");
            }
        }
        if (stages < 1) {
            throw new IllegalArgumentException("--stages must be >= 1, found " + stages);
        }
        if (pinnedN != null && !problem.reaches(pinnedN)) {
            throw new IllegalArgumentException("pinned final size " + pinnedN + " cannot reach loss "
                    + problem.target() + " (its floor is " + problem.law().floor(pinnedN) + ")");
        }
        ScalingLaw law = problem.law();
        double target = problem.target();
        double[] n;
        double[] p;
        if (stages == 1) {   // closed form: the single-stage optimum, or the pinned size trained to the target
            n = new double[] {pinnedN != null ? pinnedN : problem.singleStageParams()};
            p = new double[] {law.progressToReach(n[0], target)};
        } else {
            AppendixC.Schedule s = ratios == null ? optimise(stages, pinnedN, null, Integer.MAX_VALUE).schedule()
                    : bestOverSequences(stages, pinnedN, ratios);
            n = s.sizes();
            p = s.progress();
        }
        List<StageRecursion.Stage> st = StageRecursion.evaluate(law, n, p, target);
        double total = st.stream().mapToDouble(StageRecursion.Stage::pfDays).sum();
        return new ScheduleSolution(law.name(), target, st, total, problem.singleStageFlops() / StageRecursion.PF_DAY);
    }

    /** A converged, feasible optimum: its schedule and ln(compute / single-stage compute). */
    private record Found(AppendixC.Schedule schedule, double cost) {
    }

    /** The best of up to {@code maxStarts} starts on the profiled problem. */
    private Found optimise(int m, Double pinnedN, double[] lnSteps, int maxStarts) {
        AppendixC.Profile prof = problem.profile(m, pinnedN, lnSteps);
        Found best = null;
        String lastError = "no start tried";
        List<double[]> starts = prof.starts();
        for (double[] y0 : starts.subList(0, Math.min(maxStarts, starts.size()))) {
            NewtonSqp.Result r = NewtonSqp.minimise(prof, prof.constraintRows(), prof.constraintBounds(), y0);
            if (!r.converged()) {
                lastError = "did not converge (" + r.why() + ")";
                continue;
            }
            AppendixC.Schedule s = prof.schedule(r.y());
            String why = prof.infeasibility(s);
            if (why != null) {
                lastError = "converged to an infeasible point: " + why;
                continue;
            }
            double v = prof.value(new org.hipparchus.linear.ArrayRealVector(r.y()));
            if (best != null && Math.abs(v - best.cost()) < AGREE) {
                break;   // a second start reached the same optimum
            }
            if (best == null || v < best.cost()) {
                best = new Found(s, v);
            }
        }
        if (best == null) {
            throw new IllegalStateException("no " + m + "-stage schedule found for loss " + problem.target()
                    + ": the last start " + lastError);
        }
        return best;
    }

    /** Every sequence of allowed ratios (cumulative ln N_k − ln N_1), each optimised; the cheapest wins. */
    private AppendixC.Schedule bestOverSequences(int m, Double pinnedN, double[] ratios) {
        Found best = null;
        int count = (int) Math.pow(ratios.length, m - 1);
        String lastError = "";
        for (int code = 0; code < count; code++) {
            double[] lnSteps = new double[m];
            int c = code;
            for (int k = 1; k < m; k++) {
                lnSteps[k] = lnSteps[k - 1] + Math.log(ratios[c % ratios.length]);
                c /= ratios.length;
            }
            try {
                Found f = optimise(m, pinnedN, lnSteps, 1);
                if (best == null || f.cost() < best.cost()) {
                    best = f;
                }
            } catch (IllegalStateException e) {
                lastError = e.getMessage();   // this sequence found nothing: the others may
            }
        }
        if (best == null) {
            throw new IllegalStateException("no ratio sequence reaches loss " + problem.target() + ": " + lastError);
        }
        return best.schedule();
    }
}
