package org.staged.reproduce.pipeline;

import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * Runs a preset's jobs on a cluster, one task each; the {@code distributed} module provides Apache Spark's,
 * found by {@link ServiceLoader} when it is on the class path.
 */
public interface ClusterRuns {

    /**
     * @param results the results directory as given: a path, or a URI the cluster reaches
     *                ({@code hdfs://}, {@code s3a://})
     * @param preset  the preset's name (its folder under {@code results})
     * @return the folder the driver works in: {@code results} itself, or its local copy of a remote one, brought
     *         up to date
     */
    Path workingCopy(String results, String preset);

    /**
     * @param master       the cluster's master URL, e.g. {@code local[2]} or {@code spark://host:7077}
     * @param results      the results directory as given
     * @param reproduction the preset run whose jobs the cluster takes, working in {@link #workingCopy}
     * @return an executor whose jobs run as tasks on the cluster
     */
    RunExecutor open(String master, String results, Reproduction reproduction);

    /** @return whether {@code results} names a folder by a URI (a scheme and {@code ://}) rather than a path */
    static boolean uri(String results) {
        return results.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*");
    }

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
