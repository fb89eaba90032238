package org.staged.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.staged.api.AtomicFiles;
import org.staged.models.Bench;
import org.staged.reproduce.compare.Comparison;
import org.staged.reproduce.compare.JUnitXml;
import org.staged.reproduce.preset.Preset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code staged compare}: a growth operator against the baselines, with verdicts and JUnit XML for CI. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare a growth operator against the baselines: the conformance kit on the operator, then "
                + "a small staged experiment on a preset's targets, data and seeds (the baseline from scratch, the "
                + "operator's practical run and each reference operator's, grown from the same original at "
                + "Algorithm 1's τ_G). Prints a table (compute saved at the checkpoints, loss at growth, dynamics), "
                + "writes compare.md, compare.csv and compare.png beside the runs, and JUnit XML with --junit.",
                "Exit status 1 when the operator fails a property it claims (the experiment is then not run), when "
                        + "the loss it claims to preserve changes at growth in the experiment, or when its saving at "
                        + "a target's last checkpoint is below --min-saving. A plugin jar is given with "
                        + "STAGED_CLASSPATH."})
public final class CompareCommand implements Callable<Integer> {
    @Option(names = "--op", required = true, description = "the operator (or composition) to compare, e.g. "
            + "depth-append or width(moments=matched)")
    String op;
    @Option(names = "--against", split = ";|,(?![^(]*\\))", splitSynopsisLabel = ",",
            description = "reference operators (default: ${DEFAULT-VALUE})")
    List<String> against = List.of("width", "depth");
    @Option(names = "--preset", description = "preset whose targets, data, training and seeds the experiment uses: "
            + "a built-in name or a file (default: ${DEFAULT-VALUE})")
    String preset = "quick";
    @Option(names = "--min-saving", paramLabel = "PERCENT", description = "least compute saved at each target's last "
            + "checkpoint, in percent (mean over seeds); default: no threshold")
    Double minSaving;
    @Option(names = "--junit", description = "write the verdicts as JUnit XML to this file")
    Path junit;
    @Option(names = "--data-dir", description = "data directory (default: $STAGED_DATA_DIR, else ./data)")
    Path dataDir;
    @Option(names = "--results", description = "results directory (default: ${DEFAULT-VALUE})")
    Path results = Path.of("results");
    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = {"-q", "--quiet"}, description = "no progress bars (one line per run still)")
    boolean quiet;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        Comparison c = new Comparison(op, against, minSaving);
        Preset base = Preset.load(preset);
        Bench.setThreads(Math.max(1, threads / base.parallelRuns()));
        System.out.printf("compare %s against %s on preset %s%n", op, String.join(", ", against), base.name());
        Comparison.Outcome o = c.run(base, results, dataDir, !quiet, System.out);
        String md = Comparison.markdown(o);
        System.out.println();
        System.out.print(md);
        if (o.root() != null) {
            AtomicFiles.writeString(o.root().resolve("compare.md"), md);
            AtomicFiles.writeString(o.root().resolve("compare.csv"), Comparison.csv(o));
            System.out.println("results in " + o.root() + " (compare.md, compare.csv, compare.png)");
        }
        if (junit != null) {
            Path parent = junit.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new IllegalArgumentException("--junit " + junit + ": folder " + parent + " does not exist");
            }
            JUnitXml.write(junit, o, (System.nanoTime() - start) / 1e9);
            System.out.println("JUnit XML in " + junit);
        }
        o.failures().forEach(f -> System.err.println("FAILED " + f));
        return o.passed() ? 0 : 1;
    }
}
