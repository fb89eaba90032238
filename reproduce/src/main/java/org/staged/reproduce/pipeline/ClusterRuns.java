package org.staged.reproduce.pipeline;

import java.util.ServiceLoader;

/**
 * Runs a preset's jobs on a cluster, one task each; the {@code distributed} module provides Apache Spark's,
 * found by {@link ServiceLoader} when it is on the class path.
 */
public interface ClusterRuns {

    /**
     * @param master       the cluster's master URL, e.g. {@code local[2]} or {@code spark://host:7077}
     * @param reproduction the preset run whose jobs the cluster takes
     * @return an executor whose jobs run as tasks on the cluster
     */
    RunExecutor open(String master, Reproduction reproduction);

    /**
     * @return the cluster runner on the class path
     * @throws IllegalStateException when none is
     */
    static ClusterRuns find() {
        return ServiceLoader.load(ClusterRuns.class).findFirst().orElseThrow(() -> new IllegalStateException(
                "--spark needs the staged-distributed module on the class path: build it with mvn -q package "
                        + "-DskipTests, then bin/staged takes it whenever --spark is given"));
    }
}
