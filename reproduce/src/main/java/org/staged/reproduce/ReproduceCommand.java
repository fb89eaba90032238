package org.staged.reproduce;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.staged.api.AtomicFiles;
import org.staged.models.Bench;
import org.staged.models.train.TrainLog;
import org.staged.models.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code staged reproduce}: the suite's main job. At this stage it trains the baseline of a preset on the
 * shared training text and writes its loss curve; reruns resume and skip what is finished.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a preset end to end and write its results under results/<preset>/ "
                + "(rerun to resume an interrupted preset).")
public final class ReproduceCommand implements Callable<Integer> {
    @Option(names = "--preset", description = "quick (a minute) or cpu (a few minutes) (default: ${DEFAULT-VALUE})")
    String preset = "cpu";
    @Option(names = "--data-dir", description = "data directory (default: $STAGED_DATA_DIR, else ./data)")
    Path dataDir;
    @Option(names = "--results", description = "results directory (default: ${DEFAULT-VALUE})")
    Path results = Path.of("results");
    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Override
    public Integer call() {
        Bench.setThreads(threads);
        Path dir = results.resolve(preset);
        TrainJob job = switch (preset) {
            case "quick" -> job("tiny", 40, 8, 10, dir);
            case "cpu" -> job("tiny", 300, 16, 25, dir);
            default -> throw new IllegalArgumentException("unknown --preset '" + preset + "'; known: quick, cpu");
        };
        System.out.printf("reproduce %s: baseline %s, %d steps of %d x %d tokens -> %s%n", preset, job.preset(),
                job.steps(), job.batch(), 128, job.out());
        Trainer.Result r = job.run(true);
        List<TrainLog.Row> rows = TrainLog.read(job.out().resolve(Trainer.LOG));
        String table = LossCurve.markdown(rows);
        AtomicFiles.writeString(dir.resolve("loss_curve.md"), "# Baseline loss curve (" + preset + ")\n\n" + table);
        System.out.println(table);
        System.out.printf("validation loss %.4f -> %.4f; results in %s%n", rows.get(0).valLoss(), r.lastValLoss(), dir);
        return 0;
    }

    private TrainJob job(String config, long steps, int batch, int evalEvery, Path dir) {
        return new TrainJob(config, TrainJob.Shape.PRESET, dataDir, List.of("wikipedia_en", "gutenberg_en"), 8_000_000, 0.02,
                TrainJob.defaultTokenizer(config), steps, batch, 1e-3, Math.max(1, steps / 10), evalEvery, 8,
                evalEvery * 2, 1, dir.resolve("baseline-" + config), null);
    }

}
