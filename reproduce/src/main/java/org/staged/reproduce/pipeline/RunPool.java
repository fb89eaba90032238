package org.staged.reproduce.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs independent runs side by side. Models of a few hundred thousand parameters train as fast on one core
 * as on two (ND4J's per-op overhead dominates), so two such runs at once nearly double a 2-core machine's
 * throughput; with one worker everything runs in order on the calling thread.
 */
public final class RunPool implements RunExecutor {
    private final ExecutorService pool;
    private final int workers;

    /** @param workers runs side by side; 1 runs everything in order on the calling thread */
    public RunPool(int workers) {
        this.workers = Math.max(1, workers);
        this.pool = workers <= 1 ? null : Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "run");
            t.setDaemon(true);   // a failed preset exits without waiting for its other runs
            return t;
        });
    }

    @Override
    public int slots() {
        return workers;
    }

    @Override
    public <T> List<T> all(List<Job<T>> jobs) {
        List<T> out = new ArrayList<>();
        if (pool == null) {
            for (Job<T> j : jobs) {
                out.add(call(j.call()));
            }
            return out;
        }
        List<Future<T>> futures = new ArrayList<>();
        jobs.forEach(j -> futures.add(pool.submit(j.call())));
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                futures.forEach(g -> g.cancel(true));
                throw unwrap(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for runs", e);
            }
        }
        return out;
    }

    /**
     * Runs tasks that themselves hand runs to an executor (one target and seed each), each on a thread of its
     * own, so the executor takes the next seed's runs while one seed waits for its slowest run. Results come
     * back in the tasks' order; with one slot they run in order on the calling thread.
     *
     * @throws RuntimeException the first failure (in task order), unwrapped
     */
    static <T> List<T> coordinated(List<Callable<T>> tasks, int slots) {
        if (slots <= 1 || tasks.size() <= 1) {   // on this thread: a coordinator on a worker would take its place
            List<T> out = new ArrayList<>();
            for (Callable<T> t : tasks) {
                out.add(call(t));
            }
            return out;
        }
        ExecutorService coordinators = Executors.newFixedThreadPool(tasks.size(), r -> {
            Thread t = new Thread(r, "seed");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> futures = new ArrayList<>();
            tasks.forEach(t -> futures.add(coordinators.submit(t)));
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    throw unwrap(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for runs", e);
                }
            }
            return out;
        } finally {
            coordinators.shutdownNow();
        }
    }

    private static <T> T call(Callable<T> t) {
        try {
            return t.call();
        } catch (Exception e) {
            throw unwrap(e);
        }
    }

    private static RuntimeException unwrap(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t.getMessage(), t);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
