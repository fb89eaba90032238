package org.staged.distributed;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.staged.reproduce.pipeline.RunExecutor;
import org.staged.reproduce.preset.Preset;
import org.testng.annotations.Test;

/** The lease a task attempt holds on its run, and what a preset's task asks of Spark. */
public class LeaseAndSettingsTest {
    private static final RunExecutor.JobKey RUN = new RunExecutor.JobKey("base", 1, "baseline");

    private static Lease.Attempt attempt(int n, long task) {
        return new Lease.Attempt("app-1", 3, n, task, "exec-" + n, "host-" + n);
    }

    @Test
    public void aRetryTakesTheRunAndTheAttemptBeforeItStops() throws IOException {
        Path dir = Files.createTempDirectory("lease").resolve("baseline");
        Lease first = Lease.take(Lease.in(dir, RUN), RUN, attempt(0, 10));
        first.check();
        Lease retry = Lease.take(Lease.in(dir, RUN), RUN, attempt(1, 11));
        retry.check();
        Lease.Lost lost = expectThrows(Lease.Lost.class, first::check);
        assertTrue(lost.getMessage().contains("task 11 (attempt 1) on executor exec-1 (host-1)"), lost.getMessage());
        Lease.Lost late = expectThrows(Lease.Lost.class, () -> Lease.take(Lease.in(dir, RUN), RUN, attempt(0, 10)));
        assertTrue(late.getMessage().contains("held by a later attempt"), late.getMessage());
        retry.check();   // the late attempt changed nothing
        try (var files = Files.list(dir)) {
            assertEquals(files.map(f -> f.getFileName().toString()).toList(), java.util.List.of(Lease.RUN),
                    "one lease file, no temporary file left");
        }
    }

    @Test
    public void anotherApplicationTakesOverAndAnEvaluationHasItsOwnLease() throws IOException {
        Path dir = Files.createTempDirectory("lease").resolve("baseline");
        Lease old = Lease.take(Lease.in(dir, RUN), RUN, attempt(3, 7));
        Lease rerun = Lease.take(Lease.in(dir, RUN), RUN, new Lease.Attempt("app-2", 0, 0, 1, "0", "h"));
        expectThrows(Lease.Lost.class, old::check);
        rerun.check();
        RunExecutor.JobKey evaluation = new RunExecutor.JobKey("base", 1, "zeroshot:baseline");
        Lease eval = Lease.take(Lease.in(dir, evaluation), evaluation, attempt(0, 2));
        eval.check();
        rerun.check();
        assertTrue(Files.exists(dir.resolve(Lease.EVALUATION)));
    }

    @Test
    public void localMastersGiveTheirSlots() {
        assertEquals(SparkRuns.localSlots("local"), 1);
        assertEquals(SparkRuns.localSlots("local[2]"), 2);
        assertEquals(SparkRuns.localSlots("local[3,4]"), 3);
        assertEquals(SparkRuns.localSlots("local[*]"), Runtime.getRuntime().availableProcessors());
        assertEquals(SparkRuns.localSlots("spark://127.0.0.1:7077"), 0);
        assertEquals(SparkRuns.localSlots("k8s://https://api:6443"), 0);
    }

    @Test
    public void aPresetsTaskBecomesSparksResourceRequests() {
        SparkConf gpu = new SparkConf(false);
        Spark.request(gpu, new Preset.Task(4, 24, 1));
        assertEquals(gpu.get("spark.executor.cores"), "4");
        assertEquals(gpu.get("spark.task.cpus"), "4", "one run per executor");
        assertEquals(gpu.get("spark.executor.memoryOverhead"), "24g", "ND4J's memory is off the heap");
        assertEquals(gpu.get("spark.executor.resource.gpu.amount"), "1");
        assertEquals(gpu.get("spark.task.resource.gpu.amount"), "1");

        SparkConf mine = new SparkConf(false).set("spark.executor.cores", "8").set("spark.task.cpus", "2");
        Spark.request(mine, Preset.Task.DEFAULT);
        assertEquals(mine.get("spark.executor.cores"), "8", "the user's settings stand");
        assertEquals(mine.get("spark.task.cpus"), "2");
        assertFalse(mine.contains("spark.executor.memoryOverhead"));
        assertFalse(mine.contains("spark.task.resource.gpu.amount"));
    }

    @Test
    public void theGpuPresetsAskForAGpuEach() {
        for (String name : new String[] {"gpt2-base", "gpt2-large"}) {
            assertEquals(Preset.load(name).task().gpus(), 1, name);
        }
        assertEquals(Preset.load("quick").task(), Preset.Task.DEFAULT);
    }
}
