package org.staged.distributed;

import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.staged.models.train.MicroBatch;
import org.staged.reproduce.pipeline.ClusterRuns;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.pipeline.RunExecutor;
import org.staged.reproduce.preset.Preset;

/**
 * Apache Spark as the place a preset's runs go: {@code local[N]} runs them as tasks of this JVM, any other master
 * (standalone, Kubernetes, YARN) on its executors, which reach the data folder at the same path and the results
 * at the same path or URI (a URI's files are mirrored: {@link MirroredResults}).
 * Settings come from {@code spark.*} system properties (e.g. {@code -Dspark.executor.memory=8g}) over these
 * defaults.
 */
public final class Spark implements ClusterRuns {

    @Override
    public Path workingCopy(String results, String preset) {
        if (!MirroredResults.remote(results)) {
            return Path.of(results);
        }
        MirroredResults m = new MirroredResults(results);
        Path local = m.cache("driver");
        m.pull(local, preset, Lease::named);   // a rerun finds what earlier runs finished
        return local;
    }

    @Override
    public RunExecutor open(String master, String results, Reproduction r) {
        int local = SparkRuns.localSlots(master);
        SparkConf conf = new SparkConf(true).setMaster(master).setAppName("staged reproduce " + r.preset().name());
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");   // the driver prints one line per run
        conf.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        // ND4J splits its reductions by the OpenMP threads it starts with, and Spark would start executors with
        // one: the driver's count makes an executor's numbers those of a local run, bit for bit
        String omp = System.getenv("OMP_NUM_THREADS");
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", omp != null && !omp.isBlank() ? omp
                : String.valueOf(Runtime.getRuntime().availableProcessors()));
        conf.setIfMissing("spark.executor.extraJavaOptions",
                "-Dorg.bytedeco.javacpp.maxbytes=0 -Dorg.bytedeco.javacpp.maxphysicalbytes=0");
        if (local == 0) {
            if (!conf.contains("spark.jars")) {
                conf.setJars(SparkRuns.applicationJars().toArray(String[]::new));
            }
            request(conf, r.preset().task());
        } else {
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        JavaSparkContext sc = new JavaSparkContext(conf);
        int taskCpus = conf.getInt("spark.task.cpus", 1);
        int slots = local > 0 ? local / taskCpus : Math.max(1, sc.defaultParallelism() / taskCpus);
        MicroBatch.Budget budget = r.budget();
        MirroredResults mirror = MirroredResults.remote(results) ? new MirroredResults(results) : null;
        RemoteJob.Setup setup = new RemoteJob.Setup(r.preset(), r.results().toAbsolutePath().toString(), mirror,
                r.dataRoot().toString(), budget.bytes(), budget.source(), local > 0 ? 0 : taskCpus);
        return new SparkRuns(sc, setup, r, Math.max(1, slots));
    }

    /**
     * A run's needs as Spark's resource requests, where the user's {@code spark.*} settings leave them open: one
     * run per executor, with the run's cores, its off-heap memory as the executor's overhead (ND4J allocates
     * outside the heap), and its GPUs for Spark's GPU scheduling (the cluster's discovery script finds them).
     */
    static void request(SparkConf conf, Preset.Task task) {
        conf.setIfMissing("spark.executor.cores", String.valueOf(task.cores()));
        conf.setIfMissing("spark.task.cpus", String.valueOf(task.cores()));
        if (task.memoryGb() > 0) {
            conf.setIfMissing("spark.executor.memoryOverhead", task.memoryGb() + "g");
        }
        if (task.gpus() > 0) {
            conf.setIfMissing("spark.executor.resource.gpu.amount", String.valueOf(task.gpus()));
            conf.setIfMissing("spark.task.resource.gpu.amount", String.valueOf(task.gpus()));
        }
    }
}
