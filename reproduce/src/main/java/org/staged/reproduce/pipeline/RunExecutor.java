package org.staged.reproduce.pipeline;

import java.io.Serializable;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Where a preset's runs execute: side by side in this JVM ({@link RunPool}), or one task each on a cluster
 * (the {@code distributed} module), each job then found finished here and read back.
 */
public interface RunExecutor extends AutoCloseable {

    /**
     * One run or evaluation of a target and seed.
     *
     * @param key   what another JVM needs to run it ({@link Reproduction#runJob})
     * @param title how progress lines name it
     * @param call  runs it here, or reads it back once it is finished
     */
    record Job<T>(JobKey key, String title, Callable<T> call) {
    }

    /**
     * A job's name within its preset: the target, the seed and the folder the job writes.
     *
     * @param target the target's name
     * @param seed   the seed
     * @param id     the job's folder under the seed's (a run), or {@code zeroshot:} and the folder it evaluates
     */
    record JobKey(String target, long seed, String id) implements Serializable {
        static final String ZERO_SHOT = "zeroshot:";

        /** @return the folder the job writes, relative to its seed's */
        public String folder() {
            return evaluation() ? id.substring(ZERO_SHOT.length()) : id;
        }

        /** @return whether the job evaluates a finished run (it writes only the run's zero-shot file) */
        public boolean evaluation() {
            return id.startsWith(ZERO_SHOT);
        }

        @Override
        public String toString() {
            return target + "/seed-" + seed + "/" + id;
        }
    }

    /**
     * Runs jobs that need nothing from each other (one step of a seed's plan).
     *
     * @return their results, in the jobs' order
     * @throws RuntimeException the first failure (in job order), unwrapped
     */
    <T> List<T> all(List<Job<T>> jobs);

    /** @return how many jobs run side by side (progress bars are drawn only with one) */
    int slots();

    /** Called once the tables and report are written: a cluster whose results live elsewhere copies them there. */
    default void publish() {
    }

    @Override
    void close();
}
