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
     * @param results      the results directory, a path every executor reaches
     * @param dataDir      the data directory, a path every executor reaches
     * @param budgetBytes  the driver's memory per run, so runs split their batches as a local run does
     * @param budgetSource where that figure came from
     * @param threads      ND4J threads per task; 0 keeps the JVM's setting (local mode: the driver's)
     */
    record Setup(Preset preset, String results, String dataDir, long budgetBytes, String budgetSource, int threads)
            implements Serializable {
    }

    /** Runs the job in this executor; its progress lines go back to the driver. */
    JobReport run() {
        if (setup.threads() > 0) {
            Bench.setThreads(setup.threads());
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Reproduction r = new Reproduction(setup.preset(), Path.of(setup.results()), Path.of(setup.dataDir()), false, out);
        Lease lease = Lease.take(r.folder(key), key, attempt());
        JobReport done = r.runJob(key, new MicroBatch.Budget(setup.budgetBytes(), setup.budgetSource()),
                row -> lease.check());
        out.flush();
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        return new JobReport(lines, done.work(), done.seconds());
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
