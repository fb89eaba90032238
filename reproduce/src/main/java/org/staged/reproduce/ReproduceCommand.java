package org.staged.reproduce;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.staged.models.Bench;
import org.staged.reproduce.pipeline.ClusterRuns;
import org.staged.reproduce.pipeline.Results;
import org.staged.reproduce.pipeline.RunExecutor;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.preset.Preset;
import org.staged.reproduce.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code staged reproduce}: the suite's main job. Runs a preset's baselines, original models and grown runs,
 * then writes the paper's tables under {@code results/<preset>/}; reruns skip finished runs and resume
 * interrupted ones.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a preset end to end and write its tables under results/<preset>/ (rerun to resume an "
                + "interrupted preset; finished runs are not recomputed).",
                "Presets: quick (micro models, minutes), cpu (default, under an hour on 2 cores), cpu-full (two "
                        + "targets, three seeds), width-study (the paper's width against its variants, three seeds, "
                        + "under 90 minutes on 2 cores), width-study-attn (its attention-dropout arm), gpt2-base and gpt2-large (the paper's settings, for a GPU). A "
                        + "preset is a plain file: --print-preset NAME > my.preset, edit, then --preset my.preset."})
public final class ReproduceCommand implements Callable<Integer> {
    @Option(names = "--preset", description = "built-in preset name or a preset file (default: ${DEFAULT-VALUE})")
    String preset = "cpu";
    @Option(names = "--print-preset", description = "print a built-in preset's file and exit")
    String printPreset;
    @Option(names = "--data-dir", description = "data directory (default: $STAGED_DATA_DIR, else ./data)")
    Path dataDir;
    @Option(names = "--results", description = "results directory (default: ${DEFAULT-VALUE}); with --spark also a "
            + "URI every executor reaches through Hadoop's FileSystem (hdfs://, s3a://)")
    String results = "results";
    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = {"-q", "--quiet"}, description = "no progress bars (one line per run still)")
    boolean quiet;
    @Option(names = "--spark", arity = "0..1", fallbackValue = "local[*]", paramLabel = "MASTER",
            description = "run each run as an Apache Spark task: local[N] in this JVM, or a cluster's master URL "
                    + "(spark://, k8s://, yarn); --results must then be a folder every executor can write (default "
                    + "without a value: local[*])")
    String spark;

    @Override
    public Integer call() {
        if (printPreset != null) {
            System.out.print(Preset.text(printPreset));
            return 0;
        }
        Preset p = org.staged.reproduce.pipeline.PublicData.ensure(Preset.load(preset), dataDir, !quiet, System.out);
        Bench.setThreads(Math.max(1, threads / p.parallelRuns()));   // each run gets its share of the cores
        System.out.printf("reproduce %s: %s%n", p.name(), p.description());
        long start = System.nanoTime();
        String report;
        Path root;
        boolean uri = ClusterRuns.uri(results);
        if (spark == null) {
            if (uri) {
                throw new IllegalArgumentException("--results " + results + ": a URI needs --spark (runs on this "
                        + "machine write a local folder)");
            }
            Reproduction r = new Reproduction(p, Path.of(results), dataDir, !quiet, System.out);
            List<Results.Block> blocks = r.run();
            report = Report.write(r.root(), p, blocks, (System.nanoTime() - start) / 1e9);
            root = r.root();
        } else {
            ClusterRuns cluster = ClusterRuns.find();
            Reproduction r = new Reproduction(p, cluster.workingCopy(results, p.name()), dataDir, !quiet, System.out);
            try (RunExecutor runs = cluster.open(spark, results, r)) {
                List<Results.Block> blocks = r.run(runs);
                report = Report.write(r.root(), p, blocks, (System.nanoTime() - start) / 1e9);
                runs.publish();
            }
            root = r.root();
        }
        System.out.println();
        System.out.println(report);
        System.out.println("results in " + (uri ? results + "/" + p.name() : root) + " (REPORT.md)");
        return 0;
    }
}
