package org.staged.models;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one place the model multiplies matrices: {@code out = alpha·op(a)·op(b) + beta·out}, written into
 * {@code out} in place (no allocation), which may be a strided view such as one attention head.
 */
final class Gemm {
    private Gemm() {
    }

    /**
     * A reusable op computing out[m, n] = alpha · op(a) · op(b) + beta · out, op(x) = xᵀ when its flag is set.
     * Attention runs thousands of small per-head products a step on fixed buffers; building each op once
     * halves their cost.
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

    /** out = alpha · op(a) · op(b) + beta · out. */
    static void mm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray out, double alpha, double beta) {
        Nd4j.exec(op(a, transA, b, transB, out, alpha, beta));
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

    /** Runs prepared ops in order. */
    static void run(CustomOp[] ops) {
        for (CustomOp op : ops) {
            Nd4j.exec(op);
        }
    }
}
