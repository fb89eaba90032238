package org.staged.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.staged.api.AtomicFiles;
import org.staged.api.LrSchedule;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.api.growth.GrowthSpec;
import org.staged.api.growth.ScheduleContinuation;
import org.staged.models.train.Checkpoint;
import org.staged.operators.kit.ConformanceKit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code staged grow}: grow a checkpoint, list the operators, or run the conformance kit. */
@Command(name = "grow", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {GrowCommand.ListOperators.class, GrowCommand.CheckOperators.class},
        description = {"Grow a checkpoint's whole training state (parameters, Adam moments, LR schedule position) "
                + "with a growth operator.",
                "Operators are plugins: add jars to STAGED_CLASSPATH to make more visible to bin/staged."})
public final class GrowCommand implements Callable<Integer> {
    @Option(names = "--op", description = "operator, or operators applied in order joined by commas "
            + "(width,width = 4x width in one stage); options in parentheses, e.g. 'width(moments=matched)' "
            + "(grow list shows each operator's options)")
    String op;
    @Option(names = "--in", description = "checkpoint to grow: a file, or hf:DIR for a Hugging Face GPT-2 folder "
            + "(which needs --target-steps and --target-lr unless it holds Adam's moments)")
    Path in;
    @Option(names = "--out", description = "where to write the grown checkpoint")
    Path out;
    @Option(names = "--rho", description = "ρ of Eq. 9: the grown model starts at step ρ·S of the target schedule "
            + "(Appendix D: depth 0.70, width 0.55, depth+width 0.40) (default: ${DEFAULT-VALUE})")
    double rho = 1.0;
    @Option(names = "--lr-policy", description = "growth-target, restart or keep (default: the operator's own)")
    String lrPolicy;
    @Option(names = "--rewarm", description = "re-warm the LR linearly from 0 over this many steps after growth, "
            + "as the authors' released code does (150-200); 0: the paper's recipe (default: ${DEFAULT-VALUE})")
    long rewarm = 0;
    @Option(names = "--target-steps", description = "total steps of the target schedule (default: the checkpoint's)")
    Long targetSteps;
    @Option(names = "--target-lr", description = "peak LR of the target schedule (default: the checkpoint's)")
    Double targetLr;
    @Option(names = "--target-warmup", description = "warmup of the target schedule (default: the checkpoint's)")
    Long targetWarmup;

    @Override
    public Integer call() {
        if (op == null || in == null || out == null) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "grow needs --op, --in and --out (or a subcommand: list, check)");
        }
        AtomicFiles.refuseOverwrite(out, "--out", in, "--in");
        GrowthOperator operator = GrowthOperators.discover().stage(op);
        Checkpoint.Loaded loaded = CheckpointInput.load(in, c -> importSchedule(),
                "--target-lr, --target-steps and --target-warmup", System.out::println);
        TrainingState s = loaded.state();
        LrSchedule old = s.schedule();
        LrSchedule target = new LrSchedule(targetLr != null ? targetLr : old.peakLr(),
                targetWarmup != null ? targetWarmup : old.warmupSteps(),
                targetSteps != null ? targetSteps : old.totalSteps(), old.decay(), old.minRatio());
        if (rewarm < 0) {
            throw new IllegalArgumentException("--rewarm must be >= 0, found " + rewarm);
        }
        GrowthSpec spec = new GrowthSpec(target, rho, lrPolicy == null ? null : policy(lrPolicy), rewarm);
        TrainingState grown = GrowthOperators.growChecked(operator, s, spec);
        ObjectNode extra = loaded.extra().isObject() ? ((ObjectNode) loaded.extra()).deepCopy()
                : new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        extra.put("grown_by", operator.name());
        extra.put("grown_from", in.toString());
        extra.put("rho", rho);
        extra.put("rewarm", rewarm);
        Checkpoint.save(out, grown, extra);
        System.out.printf(Locale.ROOT, "%s: %s -> %s params (d %d->%d, layers %d->%d); schedule step %d -> %d, "
                        + "LR %.3e; wrote %s%n", operator.name(), s.config().totalParams(), grown.config().totalParams(),
                s.config().dModel(), grown.config().dModel(), s.config().nLayer(), grown.config().nLayer(),
                s.scheduleStep(), grown.scheduleStep(), grown.lr(), out);
        return 0;
    }

    /** The target schedule of a model imported without optimizer state, which only the flags can give. */
    private LrSchedule importSchedule() {
        if (targetSteps == null || targetLr == null) {
            throw new IllegalArgumentException("--in " + in + " has no optimizer state or schedule: give the target "
                    + "schedule with --target-steps and --target-lr (and --target-warmup, default 0)");
        }
        return new LrSchedule(targetLr, targetWarmup != null ? targetWarmup : 0, targetSteps, LrSchedule.Decay.COSINE,
                0.1);
    }

    private static ScheduleContinuation policy(String s) {
        return switch (s) {
            case "growth-target" -> ScheduleContinuation.GROWTH_TARGET;
            case "restart" -> ScheduleContinuation.RESTART;
            case "keep" -> ScheduleContinuation.KEEP;
            default -> throw new IllegalArgumentException("--lr-policy " + s + ": expected growth-target, restart "
                    + "or keep");
        };
    }

    /** {@code staged grow list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the discovered growth operators "
            + "and what they claim.")
    static final class ListOperators implements Callable<Integer> {
        @Override
        public Integer call() {
            GrowthOperators reg = GrowthOperators.discover();
            System.out.println("| operator | loss-preserving | Eq. 5-6 claimed on | LR after growth | class | description |");
            System.out.println("|---|---|---|---|---|---|");
            reg.all().forEach((name, o) -> System.out.printf("| %s | %s | %s | %s | %s | %s |%n", name,
                    yes(o.claims().lossPreserving()), o.claims().dynamicsInWords(), o.claims().schedule(),
                    o.getClass().getName(), o.claims().description()));
            reg.all().forEach((name, o) -> {
                if (!o.options().isEmpty()) {
                    System.out.printf("%nOptions of %s, written %s(key=value, ...):%n", name, name);
                    o.options().forEach((k, d) -> System.out.printf("  %-8s %s%n", k, d));
                }
            });
            reg.problems().forEach(p -> System.err.println("warning: " + p));
            return 0;
        }
    }

    /** {@code staged grow check}. */
    @Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Run the conformance kit: loss preservation, Eq. 5/6 and the first Adam update on derived and "
                    + "on new entries (per tensor group), LR continuity, shapes and input immutability, measured on a "
                    + "random GPT. Exit status 1 when an operator fails a property it claims.")
    static final class CheckOperators implements Callable<Integer> {
        @Option(names = "--op", split = ";", description = "operators or compositions to check, separated by ';' "
                + "(default: every operator found, width(moments=matched), and the paper's compositions "
                + "width,width; width,depth; depth,width)")
        List<String> ops;
        @Option(names = "--seed", description = "seed of the random model (default: ${DEFAULT-VALUE})")
        long seed = 1;
        @Option(names = "--untied", description = "use an untied LM head (default: tied, as GPT-2)")
        boolean untied;
        @Option(names = "--on", description = "run the kit on this model instead of a random one: a checkpoint file "
                + "or hf:DIR, e.g. a pretrained GPT-2 (batches of random tokens, at most "
                + ConformanceKit.MAX_SEQUENCE + " long)")
        Path on;

        @Override
        public Integer call() {
            GrowthOperators reg = GrowthOperators.discover();
            List<GrowthOperator> selected = new ArrayList<>();
            if (ops == null) {
                selected.addAll(reg.all().values());
                for (String c : List.of("width(moments=matched)", "width,width", "width,depth", "depth,width")) {
                    selected.add(reg.stage(c));
                }
            } else {
                ops.forEach(o -> selected.add(reg.stage(o)));
            }
            System.out.println("| operator | check | claimed | result | measured |");
            System.out.println("|---|---|---|---|---|");
            List<String> failures = new ArrayList<>();
            List<ConformanceKit.Report> reports = new ArrayList<>();
            TrainingState model = on == null ? null : CheckpointInput.load(on, c -> LrSchedule.cosine(1e-3, 0, 1000),
                    "the kit (a cosine schedule to 1,000 steps)", System.err::println).state();
            for (GrowthOperator o : selected) {
                ConformanceKit.Report r = model == null ? ConformanceKit.run(o, seed, !untied)
                        : ConformanceKit.run(o, model, seed);
                for (ConformanceKit.Check c : r.checks()) {
                    String result = c.passed() ? "pass" : c.required() ? "**FAIL**" : "no";
                    System.out.printf("| %s | %s | %s | %s | %s |%n", o.name(), c.name(), yes(c.required()), result,
                            c.figure());
                }
                failures.addAll(r.failures());
                reports.add(r);
            }
            System.out.println();
            System.out.println("Per tensor group: largest relative error on derived / new entries "
                    + "(new: set to a constant by the operator; - where a group has none).");
            System.out.println();
            System.out.println("| operator | loss Δ/L | group | derived / new entries | Eq. 5 | Eq. 6 | first update |");
            System.out.println("|---|---:|---|---:|---:|---:|---:|");
            for (ConformanceKit.Report r : reports) {
                for (ConformanceKit.Group g : r.groups()) {
                    if (g.derived() + g.fresh() == 0) {
                        continue;
                    }
                    System.out.printf(Locale.ROOT, "| %s | %.1e | %s | %d / %d | %s / %s | %s / %s | %s / %s |%n",
                            r.operator(), r.lossChange(), g.group(), g.derived(), g.fresh(), err(g.eq5Derived()),
                            err(g.eq5New()), err(g.eq6Derived()), err(g.eq6New()), err(g.updateDerived()),
                            err(g.updateNew()));
                }
            }
            reg.problems().forEach(p -> System.err.println("warning: " + p));
            failures.forEach(f -> System.err.println("FAILED " + f));
            return failures.isEmpty() ? 0 : 1;
        }
    }

    private static String err(double e) {
        return Double.isNaN(e) ? "-" : String.format(Locale.ROOT, "%.1e", e);
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }
}
