package org.staged.reproduce.pipeline;

import static org.testng.Assert.assertEquals;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.testng.annotations.Test;

public class RunPoolTest {

    /** Two runs that finish only when both are running at once (else the barrier times out and they fail). */
    private static List<RunExecutor.Job<Integer>> twoThatMeet() {
        CyclicBarrier both = new CyclicBarrier(2);
        Callable<Integer> run = () -> {
            both.await(10, TimeUnit.SECONDS);
            return 1;
        };
        return List.of(job(run), job(run));
    }

    static <T> RunExecutor.Job<T> job(Callable<T> call) {
        return new RunExecutor.Job<>(new RunExecutor.JobKey("t", 1, "run"), "run", call);
    }

    @Test
    public void oneSeedsRunsGetEveryWorker() {
        try (RunPool pool = new RunPool(2)) {
            List<Integer> r = RunPool.coordinated(List.of(() -> pool.all(twoThatMeet()).size()), pool.slots());
            assertEquals(r, List.of(2));
        }
    }

    @Test
    public void severalSeedsShareTheWorkersAndKeepTheirOrder() {
        try (RunPool pool = new RunPool(2)) {
            List<Integer> r = RunPool.coordinated(List.of(() -> pool.all(List.of(job(() -> 1), job(() -> 2)))
                    .stream().mapToInt(Integer::intValue).sum(), () -> pool.all(List.of(job(() -> 3))).get(0)),
                    pool.slots());
            assertEquals(r, List.of(3, 3));
        }
    }
}
