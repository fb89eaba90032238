package org.staged.distributed;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.staged.reproduce.GeneratedData;
import org.staged.reproduce.ReproduceMain;
import org.testng.annotations.Test;

/**
 * A standalone master and two workers on 127.0.0.1 run a cut-down preset with its results behind a URI; one
 * worker is killed while a run trains on it, and the preset still finishes, with the thread pool's tables.
 */
public class StandaloneClusterTest {
    private static final Map<String, String> DRIVER = Map.of(
            "spark.driver.host", "127.0.0.1",
            "spark.jars", "",   // the executors share this machine's class path instead
            "spark.executor.extraClassPath", StandaloneCluster.classPath(),
            "spark.executor.memory", "1g");

    @Test
    public void aRunOnAKilledWorkerFinishesOnTheOther() throws Exception {
        Path data = GeneratedData.withEvaluationFiles(GeneratedData.trainingText(5, 100, 150));
        Path preset = longerBaseline(SparkPresets.micro());
        Path pool = Files.createTempDirectory("results-pool");
        assertEquals(ReproduceMain.run(args(preset, data, pool)), 0);

        Path logs = Files.createTempDirectory("spark-cluster");
        Path results = Files.createTempDirectory("results-cluster");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream was = System.out;
        ExecutorService driver = Executors.newSingleThreadExecutor();
        DRIVER.forEach(System::setProperty);
        try (StandaloneCluster cluster = StandaloneCluster.start(2, logs)) {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            // the results behind a URI, as on HDFS: every executor works in a copy of its own
            Future<Integer> run = driver.submit(() -> ReproduceMain.run(args(preset, data, results.toUri().toString(),
                    "--spark", cluster.master())));
            String killed = killWhileTraining(cluster, results.resolve("micro"), run);
            int code = run.get(10, TimeUnit.MINUTES);
            System.setOut(was);
            String out = buf.toString(StandardCharsets.UTF_8);
            System.out.print(out);
            assertEquals(code, 0, out);
            SparkPresets.assertSameTables(pool.resolve("micro"), results.resolve("micro"));
            assertTrue(out.contains("on executor " + killed + " ended:"), "the lost attempt is reported: " + out);
            assertTrue(out.matches("(?s).*— on executor \\d+ \\(127\\.0\\.0\\.1\\), attempt 1 .*"),
                    "the run starts again elsewhere: " + out);
        } finally {
            System.setOut(was);
            DRIVER.keySet().forEach(System::clearProperty);
            driver.shutdownNow();
        }
    }

    /**
     * Waits until a run holds its lease on worker 0's executor and has logged a row, then kills worker 0.
     *
     * @return the killed executor's id
     */
    private static String killWhileTraining(StandaloneCluster cluster, Path root, Future<Integer> run)
            throws IOException, InterruptedException {
        ObjectMapper json = new ObjectMapper();
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < end && !run.isDone()) {
            List<String> mine = cluster.executorsOf(0);
            if (Files.isDirectory(root.resolve("runs"))) {
                try (Stream<Path> files = Files.walk(root.resolve("runs"))) {
                    for (Path lease : files.filter(f -> f.getFileName().toString().equals(Lease.RUN)).toList()) {
                        JsonNode l = json.readTree(Files.readString(lease));
                        Path dir = lease.getParent();
                        if (mine.contains(l.path("executor").asText()) && Files.exists(dir.resolve("log.csv"))
                                && Files.readAllLines(dir.resolve("log.csv")).size() > 2
                                && !Files.exists(dir.resolve("done.json")) && !Files.exists(dir.resolve("DONE"))) {
                            cluster.kill(0);
                            return l.path("executor").asText();
                        }
                    }
                } catch (IOException | RuntimeException racing) {
                    // a file replaced while read: look again
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no run trained on worker 0 before the preset ended");
    }

    private static String[] args(Path preset, Path data, Object results, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("reproduce", "--preset", preset.toString(), "--data-dir",
                data.toString(), "--results", results.toString(), "--threads", "1", "-q"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** The micro preset with runs long enough to be caught training: 200 steps. */
    private static Path longerBaseline(Path micro) throws IOException {
        Path p = micro.resolveSibling("micro-longer.preset");
        Files.writeString(p, Files.readString(micro).replace("target.base.steps = 40", "target.base.steps = 200")
                .replace("target.base.checkpoints = 12, 24, 40", "target.base.checkpoints = 60, 120, 200")
                .replace("train.eval_every = 4", "train.eval_every = 10"));
        return p;
    }
}
