package org.staged.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.staged.schedule.ChinchillaLaw;
import org.staged.schedule.KaplanLaw;
import org.staged.schedule.ScalingLaw;
import org.staged.schedule.ScheduleSolution;
import org.staged.schedule.ScheduleSolver;
import org.staged.reproduce.report.ScheduleTables;
import org.staged.schedule.StageRecursion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code staged schedule}: stage schedules from scaling laws. */
@Command(name = "schedule", mixinStandardHelpOptions = true,
        subcommands = {ScheduleCommand.Optimal.class, ScheduleCommand.Estimate.class},
        description = "Stage schedules: the compute-optimal schedule of Appendix C, and the practical schedule's "
                + "constants estimated from loss curves.")
public final class ScheduleCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** {@code staged schedule optimal}: Tables 3 and 4. */
    @Command(name = "optimal", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"The compute-optimal M-stage schedule to a target loss under a scaling law, assuming "
                    + "perfect growth operators (Appendix C), compared with the optimal single-stage run.",
                    "Prints the compute reduction factor per M (Table 3) and, for a single M, the schedule (Table 4 "
                            + "layout: cumulative steps, per-stage compute)."})
    static final class Optimal implements Callable<Integer> {
        @Option(names = "--stages", description = "M values: a list (1,2,3,4,5,10) or a range (1..10) "
                + "(default: ${DEFAULT-VALUE})")
        String stages = "1,2,3,4,5,10";
        @Option(names = "--target-loss", description = "L_target (default: ${DEFAULT-VALUE})")
        double targetLoss = 3.0;
        @Option(names = "--law", description = "kaplan (Kaplan et al. 2020, Table 5) or chinchilla (Hoffmann et al. "
                + "2022, approach 3) (default: ${DEFAULT-VALUE})")
        String law = "kaplan";
        @Option(names = "--pin-final", description = "final size N_M in parameters (default: free, as in the paper's "
                + "tables)")
        Double pinFinal;
        @Option(names = "--ratios", split = ",", description = "allowed growth ratios N_k/N_(k-1), e.g. 2,4,8 "
                + "(depth doubles parameters, width quadruples them) (default: any)")
        double[] ratios;
        @Option(names = "--csv", description = "CSV instead of Markdown")
        boolean csv;

        @Override
        public Integer call() {
            ScalingLaw l = switch (law) {
                case "kaplan" -> KaplanLaw.TABLE_5;
                case "chinchilla" -> ChinchillaLaw.APPROACH_3;
                default -> throw new IllegalArgumentException("--law " + law + ": expected kaplan or chinchilla");
            };
            List<Integer> ms = parseStages(stages);
            ScheduleSolver solver = new ScheduleSolver(l, targetLoss);
            List<ScheduleSolution> sols = new ArrayList<>();
            for (int m : ms) {
                sols.add(solver.solve(m, pinFinal, ratios));
            }
            String unit = ScheduleTables.unit(l);
            System.out.print(csv ? ScheduleTables.table3Csv(ms, sols) : ScheduleTables.table3(solver, l, targetLoss, ms,
                    sols));
            if (ms.size() == 1) {
                System.out.print(csv ? ScheduleTables.table4Csv(sols.get(0), unit)
                        : System.lineSeparator() + ScheduleTables.table4(sols.get(0), unit));
            }
            return 0;
        }

        static List<Integer> parseStages(String spec) {
            List<Integer> out = new ArrayList<>();
            try {
                if (spec.contains("..")) {
                    String[] r = spec.split("\\.\\.");
                    for (int m = Integer.parseInt(r[0].trim()); m <= Integer.parseInt(r[1].trim()); m++) {
                        out.add(m);
                    }
                } else {
                    for (String s : spec.split(",")) {
                        out.add(Integer.parseInt(s.trim()));
                    }
                }
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("--stages " + spec + ": expected a list like 1,2,5 or a range like 1..10");
            }
            if (out.isEmpty() || out.stream().anyMatch(m -> m < 1)) {
                throw new IllegalArgumentException("--stages " + spec + ": every M must be >= 1");
            }
            return out;
        }
    }

    /** {@code staged schedule estimate}: τ_G, τ_opt and ρ from two runs' logs. */
    @Command(name = "estimate", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Estimate the practical schedule's constants (Eq. 8-9) from the validation-loss logs of an "
                    + "original (smaller) and a target (larger) model trained from scratch: PRE-GROWTH where growing "
                    + "saves the most compute, GROWTH-TARGET at the same loss on the target curve, and OPTIMALITY "
                    + "where the target curve meets the two curves' common tangent (log-log).",
                    "Each curve is first fitted to L(C) = e + k·C^-α."})
    static final class Estimate implements Callable<Integer> {
        @Option(names = "--original", required = true, description = "log.csv of the original (smaller) model")
        java.nio.file.Path original;
        @Option(names = "--target", required = true, description = "log.csv of the target (larger) model")
        java.nio.file.Path target;
        @Option(names = "--out", description = "also write the constants to this file (updated if present), for "
                + "staged train --stages ... --constants FILE")
        java.nio.file.Path out;
        @Option(names = "--kind", description = "the growth these runs stand for, as the file's key: width, depth, "
                + "depth,width or an operator spec (default: ${DEFAULT-VALUE})")
        String kind = "width";

        @Override
        public Integer call() {
            org.staged.api.AtomicFiles.refuseOverwrite(out, "--out", original, "--original");
            org.staged.api.AtomicFiles.refuseOverwrite(out, "--out", target, "--target");
            double[][] o = curve(original);
            double[][] t = curve(target);
            double low = Math.max(min(o[2]), min(t[2]));
            double high = Math.min(max(o[2]), max(t[2]));
            org.staged.schedule.PracticalEstimator.Estimate e = org.staged.schedule.PracticalEstimator.estimate(
                    org.staged.schedule.LossCurveFit.fit(o[0], o[1], o[2]),
                    org.staged.schedule.LossCurveFit.fit(t[0], t[1], t[2]), low, high);
            System.out.println("| point | curve | steps | PF-days | loss |");
            System.out.println("|---|---|---:|---:|---:|");
            row("PRE-GROWTH", "original", e.preGrowth());
            row("GROWTH-TARGET", "target", e.growthTarget());
            row("OPTIMALITY", "target", e.optimality());
            System.out.printf(Locale.ROOT, "%nτ_G = %.4f, τ_opt = %.4f, ρ = %.3f (Appendix D: τ_opt −0.052; depth τ −0.0575, "
                    + "ρ 0.70; width τ −0.0475, ρ 0.55)%n", e.tauGrowth(), e.tauOpt(), e.rho());
            if (out != null) {
                org.staged.run.ConstantsFile.put(out, kind, e.tauGrowth(), e.rho(), e.tauOpt());
                System.out.printf("constants for '%s' written to %s%n", kind, out);
            }
            return 0;
        }

        private static void row(String name, String curve, org.staged.schedule.PracticalEstimator.Point p) {
            System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %.4g | %.4f |%n", name, curve, p.steps(),
                    p.compute() / StageRecursion.PF_DAY, p.loss());
        }

        /** {steps, flops, val_loss} of a training log. */
        private static double[][] curve(java.nio.file.Path log) {
            List<org.staged.models.train.TrainLog.Row> rows = org.staged.models.train.TrainLog.read(log);
            double[][] c = new double[3][rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                c[0][i] = rows.get(i).step();
                c[1][i] = rows.get(i).flops();
                c[2][i] = rows.get(i).valLoss();
            }
            return c;
        }

        private static double min(double[] a) {
            return java.util.Arrays.stream(a).min().orElseThrow();
        }

        private static double max(double[] a) {
            return java.util.Arrays.stream(a).max().orElseThrow();
        }
    }
}
