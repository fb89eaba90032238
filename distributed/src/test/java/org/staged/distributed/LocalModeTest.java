package org.staged.distributed;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.staged.reproduce.GeneratedData;
import org.staged.reproduce.ReproduceMain;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** A preset on Spark's local mode against the thread pool: the same tables, byte for byte. */
public class LocalModeTest {
    private Path data;
    private Path preset;
    private Path pool;

    @BeforeClass
    public void setUp() throws IOException {
        data = GeneratedData.withEvaluationFiles(GeneratedData.trainingText(3, 100, 150));
        preset = SparkPresets.micro();
        pool = Files.createTempDirectory("results-pool");
        assertEquals(ReproduceMain.run(args(pool)), 0);
    }

    String[] args(Object results, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("reproduce", "--preset", preset.toString(), "--data-dir",
                data.toString(), "--results", results.toString(), "--threads", "1", "-q"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    public void localModeWritesTheThreadPoolsTables() throws IOException {
        Path spark = Files.createTempDirectory("results-spark");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream was = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = ReproduceMain.run(args(spark, "--spark", "local[2]"));
        } finally {
            System.setOut(was);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertEquals(code, 0, out);
        SparkPresets.assertSameTables(pool.resolve("micro"), spark.resolve("micro"));
        assertTrue(out.matches("(?s).*\\[\\d+] base seed 1: baseline — on executor driver \\(.*"), out);
        assertTrue(out.contains("steps in") && out.contains("tokens/s"), "each run's speed comes back: " + out);
        assertTrue(Files.exists(spark.resolve("micro/runs/base/seed-1/baseline/" + Lease.RUN)), "a run's lease");
    }

    @Test
    public void resultsBehindAUriAreWrittenThroughHadoopsFileSystem() throws IOException {
        Path remote = Files.createTempDirectory("results-remote");
        String uri = remote.toUri().toString();
        assertTrue(uri.startsWith("file:/"), uri);
        assertEquals(ReproduceMain.run(args(uri, "--spark", "local[2]")), 0);
        SparkPresets.assertSameTables(pool.resolve("micro"), remote.resolve("micro"));
        Path baseline = remote.resolve("micro/runs/base/seed-1/baseline");
        assertTrue(Files.exists(baseline.resolve("done.json")) && Files.exists(baseline.resolve(Lease.RUN))
                && Files.exists(baseline.resolve("checkpoint.safetensors")), "the runs live behind the URI");
        Path driver = new MirroredResults(uri).cache("driver");
        assertTrue(Files.exists(driver.resolve("micro/table1.md")), "the driver's working copy");
        assertFalse(Files.exists(driver.resolve("micro/runs/base/seed-1/baseline/" + Lease.RUN)),
                "leases stay behind the URI");
        // without --spark a URI is refused, naming it
        assertEquals(ReproduceMain.run(args(uri)), 1);
    }

    @Test
    public void aRerunFindsEveryRunFinished() throws IOException {
        Path again = Files.createTempDirectory("results-again");
        try (Stream<Path> files = Files.walk(pool)) {
            for (Path f : files.toList()) {
                Path to = again.resolve(pool.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream was = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(ReproduceMain.run(args(again, "--spark", "local[2]")), 0);
        } finally {
            System.setOut(was);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(!out.contains("steps in"), "nothing is trained again: " + out);
        SparkPresets.assertSameTables(pool.resolve("micro"), again.resolve("micro"));
    }
}
