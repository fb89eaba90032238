package org.staged.reproduce.report;

import java.util.List;
import java.util.Locale;
import org.staged.schedule.KaplanLaw;
import org.staged.schedule.ScalingLaw;
import org.staged.schedule.ScheduleSolution;
import org.staged.schedule.ScheduleSolver;
import org.staged.schedule.StageRecursion;

/** Tables 3 and 4 (Appendix C) as Markdown or CSV, from solved optimal schedules. */
public final class ScheduleTables {
    /** Table 3 of the paper: compute reduction factor for M = 1, 2, 3, 4, 5, 10. */
    public static final double[] PAPER_TABLE_3 = {1.0, 0.83, 0.792, 0.779, 0.771, 0.763};

    private ScheduleTables() {
    }

    /** @return the progress unit of a law's schedules: steps (Kaplan) or tokens (Chinchilla) */
    public static String unit(ScalingLaw law) {
        return law instanceof KaplanLaw ? "steps" : "tokens";
    }

    /** Table 3 as Markdown, with a heading line naming the law and the single-stage optimum. */
    public static String table3(ScheduleSolver solver, ScalingLaw law, double targetLoss, List<Integer> ms,
                                List<ScheduleSolution> sols) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "Optimal schedules to L = %.3f under the %s "
                + "law; single stage: N = %.4g, %.4g PF-days%n%n", targetLoss, law.name(), solver.singleStageParams(),
                sols.get(0).singleStagePfDays()));
        sb.append("| stages | compute reduction factor | total PF-days |\n|---:|---:|---:|\n");
        for (int i = 0; i < ms.size(); i++) {
            sb.append(String.format(Locale.ROOT, "| %d | %.4f | %.5f |%n", ms.get(i), sols.get(i).reductionFactor(),
                    sols.get(i).totalPfDays()));
        }
        return sb.toString();
    }

    /** Table 3 as CSV: {@code stages,reduction_factor}. */
    public static String table3Csv(List<Integer> ms, List<ScheduleSolution> sols) {
        List<List<Object>> rows = new java.util.ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            rows.add(List.of(ms.get(i), String.format(Locale.ROOT, "%.6f", sols.get(i).reductionFactor())));
        }
        return CsvTable.write(List.of("stages", "reduction_factor"), rows);
    }

    /** Table 4's layout as Markdown: N_k, cumulative progress, L_k, per-stage compute. */
    public static String table4(ScheduleSolution sol, String unit) {
        StringBuilder sb = new StringBuilder(String.format("| stage | N_k | %s (cumulative) | L_k | C_k (PF-days) |%n",
                unit));
        sb.append("|---:|---:|---:|---:|---:|\n");
        List<StageRecursion.Stage> st = sol.stages();
        for (int k = 0; k < st.size(); k++) {
            StageRecursion.Stage s = st.get(k);
            sb.append(String.format(Locale.ROOT, "| %d | %.1fM | %.1fK | %.2f | %.4f |%n", k + 1, s.params() / 1e6,
                    s.cumulativeProgress() / 1e3, s.loss(), s.pfDays()));
        }
        return sb.toString();
    }

    /** Table 4 as CSV: {@code stage,n_params,UNIT_cumulative,loss,compute_pf_days}. */
    public static String table4Csv(ScheduleSolution sol, String unit) {
        List<List<Object>> rows = new java.util.ArrayList<>();
        List<StageRecursion.Stage> st = sol.stages();
        for (int k = 0; k < st.size(); k++) {
            StageRecursion.Stage s = st.get(k);
            rows.add(List.of(k + 1, String.format(Locale.ROOT, "%.6g", s.params()),
                    String.format(Locale.ROOT, "%.6g", s.cumulativeProgress()), String.format(Locale.ROOT, "%.6f", s.loss()),
                    String.format(Locale.ROOT, "%.6g", s.pfDays())));
        }
        return CsvTable.write(List.of("stage", "n_params", unit + "_cumulative", "loss", "compute_pf_days"), rows);
    }
}
