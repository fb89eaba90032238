package org.staged.distributed;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;
import org.staged.reproduce.pipeline.JobReport;
import org.staged.reproduce.pipeline.Progress;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.pipeline.RunExecutor;

/**
 * A preset's jobs as Spark tasks, each its own Spark job so that it finishes (and the runs waiting for it
 * start) on its own. A job done on an executor is read back here from the shared results folder, so the
 * tables come from the same files a local run writes.
 */
final class SparkRuns implements RunExecutor {
    /** The local property naming a Spark job's preset job, which the listener reads. */
    private static final String JOB = "staged.job";

    private final JavaSparkContext sc;
    private final RemoteJob.Setup setup;
    private final Progress eta;
    private final Reproduction reproduction;
    private final int slots;
    private final Map<String, Job<?>> submitted = new ConcurrentHashMap<>();
    private final Map<Integer, String> stageJob = new ConcurrentHashMap<>();
    private final Map<String, Progress.Run> shown = new ConcurrentHashMap<>();

    SparkRuns(JavaSparkContext sc, RemoteJob.Setup setup, Reproduction reproduction, int slots) {
        this.sc = sc;
        this.setup = setup;
        this.reproduction = reproduction;
        this.eta = reproduction.progress();
        this.slots = slots;
        sc.sc().addSparkListener(new Listener());
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public <T> List<T> all(List<Job<T>> jobs) {
        if (setup.mirror() != null) {   // what the driver wrote: the preset's record, each seed's tokenizer
            push(reproduction.root());
            jobs.forEach(j -> push(reproduction.seedFolder(j.key())));
        }
        List<JavaFutureAction<List<JobReport>>> futures = new ArrayList<>();
        for (Job<T> j : jobs) {
            submitted.put(j.key().toString(), j);
            sc.setLocalProperty(JOB, j.key().toString());
            sc.setJobDescription(j.key() + ": " + j.title());
            JavaRDD<RemoteJob> one = sc.parallelize(List.of(new RemoteJob(setup, j.key())), 1);
            futures.add(one.map(RemoteJob::run).collectAsync());
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            Job<T> j = jobs.get(i);
            JobReport report;
            try {
                report = futures.get(i).get().get(0);
            } catch (ExecutionException e) {
                futures.forEach(f -> f.cancel(true));
                throw failed(j, e.getCause());
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + j.key(), e);
            }
            relay(j, report);
            if (setup.mirror() != null) {
                pull(reproduction.folder(j.key()));
            }
            try {
                out.add(j.call().call());   // found finished: read back from the results folder
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(j.key() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Copies the files of a folder of the driver's working copy (not its sub-folders) to the results URI. */
    private void push(Path folder) {
        setup.mirror().push(reproduction.results(), RemoteJob.slashes(reproduction.results().relativize(folder)), false,
                Lease::named);
    }

    /** Brings a finished job's folder into the driver's working copy, to be read back. */
    private void pull(Path folder) {
        setup.mirror().pull(reproduction.results(), RemoteJob.slashes(reproduction.results().relativize(folder)),
                Lease::named);
    }

    @Override
    public void publish() {
        if (setup.mirror() != null) {
            push(reproduction.root());   // the tables, figures and report
        }
    }

    /** Prints a finished job's lines under the number its start was shown with. */
    private synchronized void relay(Job<?> j, JobReport report) {
        Progress.Run run = shown.remove(j.key().toString());
        if (run == null) {   // the listener had not yet seen the task start
            run = eta.startedElsewhere(j.title(), j.key().target(), j.key().seed(), "the cluster");
        }
        submitted.remove(j.key().toString());
        eta.finishedElsewhere(run, report);
    }

    private synchronized void started(String key, TaskInfo t) {
        Job<?> j = submitted.get(key);
        if (j == null) {
            return;   // already finished and relayed
        }
        shown.put(key, eta.startedElsewhere(j.title(), j.key().target(), j.key().seed(), "executor " + t.executorId()
                + " (" + t.host() + ")" + (t.attemptNumber() > 0 ? ", attempt " + t.attemptNumber() : "")));
    }

    private synchronized void ended(String key, TaskInfo t, String reason) {
        Progress.Run run = shown.get(key);
        if (run != null) {
            eta.note(run, "attempt " + t.attemptNumber() + " on executor " + t.executorId() + " ended: "
                    + firstLine(reason) + "; Spark retries it until spark.task.maxFailures");
        }
    }

    /** @return one clear error for a job the cluster gave up on, with the executor's message */
    private static RuntimeException failed(Job<?> j, Throwable cause) {
        String m = cause == null ? "unknown" : cause.getMessage();
        return new IllegalStateException(j.title() + " (" + j.key() + ") failed on the cluster: " + firstLine(m),
                cause);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void close() {
        sc.stop();
    }

    /** Maps Spark's stages to the preset's jobs and reports where each task runs. */
    private final class Listener extends SparkListener {
        @Override
        public void onJobStart(SparkListenerJobStart e) {
            String key = e.properties() == null ? null : e.properties().getProperty(JOB);
            if (key != null) {
                for (Object stage : scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds())) {
                    stageJob.put((Integer) stage, key);
                }
            }
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart e) {
            String key = stageJob.get(e.stageId());
            if (key != null) {
                started(key, e.taskInfo());
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd e) {
            String key = stageJob.get(e.stageId());
            if (key != null && !e.taskInfo().successful()) {
                ended(key, e.taskInfo(), e.reason().toString());
            }
        }
    }

    /**
     * @param master a master URL
     * @return the task slots of a local master ({@code local}, {@code local[N]}, {@code local[*]},
     *         {@code local[N,F]}), or 0 for a cluster's
     */
    static int localSlots(String master) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?")
                .matcher(master.strip());
        if (!m.matches()) {
            return 0;
        }
        String n = m.group(1);
        return n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Math.max(1,
                Integer.parseInt(n));
    }

    /**
     * @return the jars of this JVM's class path that executors are sent: all but those in the folder Spark's
     *         own jar came from (a cluster brings its Spark)
     */
    static List<String> applicationJars() {
        File sparkDir;
        try {
            sparkDir = new File(SparkConf.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .getParentFile();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            sparkDir = null;
        }
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File f = new File(e).getAbsoluteFile();
            if (f.getName().endsWith(".jar") && f.isFile() && !f.getParentFile().equals(sparkDir)) {
                out.add(f.getPath());
            }
        }
        return out;
    }
}
