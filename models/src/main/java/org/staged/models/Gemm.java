package org.staged.models;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The one place the model multiplies matrices: {@code out = alpha·op(a)·op(b) + beta·out}, written into
 * {@code out} in place (no allocation), which may be a strided view such as one attention head.
 *
 * <p>With {@link #setThreads} above one, BLAS runs single-threaded and the work is split here instead: a
 * large product into blocks of output rows (or columns), and a list of per-head products into chunks, one
 * per thread. Attention's thousands of small products gain most: a multi-threaded BLAS call on a [T, hs]
 * head spends more time synchronising its threads than multiplying.
 */
final class Gemm {
    /** Products below this many multiply-adds run on the calling thread. */
    private static final double SPLIT_THRESHOLD = 4e6;
    private static int threads = 1;
    private static ExecutorService pool;

    private Gemm() {
    }

    /** Uses {@code n} threads for products, splitting the work here; BLAS itself runs on one thread. */
    static synchronized void setThreads(int n) {
        threads = Math.max(1, n);
        Nd4j.factory().blas().setMaxThreads(1);
        if (pool != null) {
            pool.shutdown();
        }
        pool = threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "gemm");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * A reusable op computing out[m, n] = alpha · op(a) · op(b) + beta · out, op(x) = xᵀ when its flag is set.
     *
     * <p>Writing into a c-order output through ND4J's default path can be several times slower than
     * writing into an f-order one, so the product is computed as outᵀ = op(b)ᵀ·op(a)ᵀ into the f-order
     * transposed view of {@code out}, which aliases the same memory. Mmul is used directly because
     * {@code Nd4j.gemm} refuses strided outputs.
     */
    static CustomOp op(INDArray a, boolean transA, INDArray b, boolean transB, INDArray out, double alpha,
                       double beta) {
        MMulTranspose t = MMulTranspose.builder().transposeA(!transB).transposeB(!transA).build();
        return new Mmul(b, a, out.transpose(), alpha, beta, t);
    }

    /** out = alpha · op(a) · op(b) + beta · out, split over the threads when large. */
    static void mm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray out, double alpha, double beta) {
        long m = out.size(0);
        long n = out.size(1);
        long k = transA ? a.size(0) : a.size(1);
        if (threads == 1 || (double) m * n * k < SPLIT_THRESHOLD) {
            Nd4j.exec(op(a, transA, b, transB, out, alpha, beta));
            return;
        }
        CustomOp[] parts = new CustomOp[threads];
        boolean byRows = m >= n;
        long len = byRows ? m : n;
        for (int i = 0; i < threads; i++) {
            INDArrayIndex r = NDArrayIndex.interval(len * i / threads, len * (i + 1) / threads);
            INDArrayIndex all = NDArrayIndex.all();
            parts[i] = byRows
                    ? op(transA ? a.get(all, r) : a.get(r, all), transA, b, transB, out.get(r, all), alpha, beta)
                    : op(a, transA, transB ? b.get(r, all) : b.get(all, r), transB, out.get(all, r), alpha, beta);
        }
        run(parts);
    }

    /** out = op(a) · op(b), overwriting out. */
    static void mm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray out) {
        mm(a, transA, b, transB, out, 1.0, 0.0);
    }

    /** out += op(a) · op(b), accumulating (gradients). */
    static void mmAdd(INDArray a, boolean transA, INDArray b, boolean transB, INDArray out) {
        mm(a, transA, b, transB, out, 1.0, 1.0);
    }

    /** out[k] += Σ_rows x[·, k], as onesᵀ·x: a column reduction through gemm, far faster than sum(0). */
    static void addColumnSums(INDArray ones, INDArray x, INDArray out) {
        mm(ones, true, x, false, out.reshape(1, out.length()), 1.0, 1.0);
    }

    /** Runs independent prepared ops (distinct outputs), in chunks over the threads. */
    static void run(CustomOp[] ops) {
        if (threads == 1 || ops.length == 1) {
            for (CustomOp op : ops) {
                Nd4j.exec(op);
            }
            return;
        }
        List<Future<?>> pending = new ArrayList<>();
        int chunks = Math.min(threads, ops.length);
        for (int c = 1; c < chunks; c++) {
            int from = ops.length * c / chunks;
            int to = ops.length * (c + 1) / chunks;
            pending.add(pool.submit(() -> {
                for (int i = from; i < to; i++) {
                    Nd4j.exec(ops[i]);
                }
            }));
        }
        for (int i = 0; i < ops.length / chunks; i++) {
            Nd4j.exec(ops[i]);
        }
        try {
            for (Future<?> f : pending) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a matrix product", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("matrix product failed: " + e.getCause(), e.getCause());
        }
    }
}
