package org.staged.reproduce.pipeline;

import static org.testng.Assert.assertEquals;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.testng.annotations.Test;

public class RunPoolTest {

    /** Two runs that finish only when both are running at once (else the barrier times out and they fail). */
    private static List<Callable<Integer>> twoThatMeet() {
        CyclicBarrier both = new CyclicBarrier(2);
        Callable<Integer> run = () -> {
            both.await(10, TimeUnit.SECONDS);
            return 1;
        };
        return List.of(run, run);
    }

    @Test
    public void oneSeedsRunsGetEveryWorker() {
        try (RunPool pool = new RunPool(2)) {
            List<Integer> r = pool.coordinated(List.of(() -> pool.all(twoThatMeet()).size()));
            assertEquals(r, List.of(2));
        }
    }

    @Test
    public void severalSeedsShareTheWorkersAndKeepTheirOrder() {
        try (RunPool pool = new RunPool(2)) {
            List<Integer> r = pool.coordinated(List.of(() -> pool.all(List.<Callable<Integer>>of(() -> 1, () -> 2))
                    .stream().mapToInt(Integer::intValue).sum(), () -> pool.all(List.<Callable<Integer>>of(() -> 3))
                    .get(0)));
            assertEquals(r, List.of(3, 3));
        }
    }
}
