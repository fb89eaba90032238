package org.staged.distributed;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.staged.models.Bench;
import org.staged.models.train.MicroBatch;
import org.staged.reproduce.pipeline.JobReport;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.pipeline.RunExecutor;
import org.staged.reproduce.preset.Preset;

/**
 * One job of a preset as a Spark task: the executor rebuilds the preset's run from what every task shares, takes
 * the job's lease and runs the job, reading the jobs before it back from the shared results folder.
 *
 * @param setup what every task of the preset shares
 * @param key   the job
 */
record RemoteJob(Setup setup, RunExecutor.JobKey key) implements Serializable {

    /**
     * What every task of a preset shares.
     *
     * @param preset       the preset, as the driver resolved it
     * @param results      the results directory: a path every executor reaches, or the driver's working copy
     * @param mirror       the results directory's URI, whose files every task copies, or null
     * @param dataDir      the data directory, a path every executor reaches
     * @param budgetBytes  the driver's memory per run, so runs split their batches as a local run does
     * @param budgetSource where that figure came from
     * @param threads      ND4J threads per task; 0 keeps the JVM's setting (local mode: the driver's)
     */
    record Setup(Preset preset, String results, MirroredResults mirror, String dataDir, long budgetBytes,
                 String budgetSource, int threads) implements Serializable {
    }

    /** The folders this JVM's running jobs write in its working copy of mirrored results (relative paths). */
    private static final java.util.Set<String> WORKING = new java.util.HashSet<>();

    /** Runs the job in this executor; its progress lines go back to the driver. */
    JobReport run() {
        if (setup.threads() > 0) {
            Bench.setThreads(setup.threads());
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        MirroredResults mirror = setup.mirror();
        Path results = mirror == null ? Path.of(setup.results()) : mirror.cache("executor-" + SparkEnv.get().executorId());
        Reproduction r = new Reproduction(setup.preset(), results, Path.of(setup.dataDir()), false, out);
        Path folder = r.folder(key);
        String job = slashes(results.relativize(folder));
        Lease lease;
        Runnable sync;
        if (mirror == null) {
            lease = Lease.take(Lease.in(folder, key), key, attempt());
            sync = () -> { };
        } else {
            String seedRel = slashes(results.relativize(r.seedFolder(key)));
            synchronized (WORKING) {   // the executor's other tasks share its working copy: each keeps its folder
                // the preset's record and the seed's folder, but other runs' resume checkpoints, all leases and
                // the folders of this executor's other running jobs
                mirror.pull(results, slashes(results.relativize(r.root().resolve("preset.json"))), n -> false);
                mirror.pull(results, seedRel, n -> Lease.named(n) || WORKING.stream().anyMatch(w -> n.startsWith(w + "/"))
                        || n.endsWith("/" + org.staged.models.train.Trainer.CHECKPOINT) && !n.startsWith(job + "/"));
                WORKING.add(job);
            }
            lease = Lease.take(mirror.place(job + "/" + Lease.name(key)), key, attempt());
            sync = () -> mirror.push(results, job, true, Lease::named);
        }
        JobReport done;
        try {
            done = r.runJob(key, new MicroBatch.Budget(setup.budgetBytes(), setup.budgetSource()), row -> {
                lease.check();
                sync.run();   // a retry elsewhere resumes from this row's checkpoint
            });
            sync.run();
        } finally {
            synchronized (WORKING) {
                WORKING.remove(job);
            }
        }
        out.flush();
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        return new JobReport(lines, done.work(), done.seconds());
    }

    /** @return a relative path with {@code /} separators, as a URI's */
    static String slashes(Path rel) {
        return rel.toString().replace(java.io.File.separatorChar, '/');
    }

    /** @return this task attempt */
    private static Lease.Attempt attempt() {
        TaskContext tc = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown host";
        }
        return new Lease.Attempt(env.conf().getAppId(), tc.stageId(), tc.attemptNumber(), tc.taskAttemptId(),
                env.executorId(), host);
    }
}
