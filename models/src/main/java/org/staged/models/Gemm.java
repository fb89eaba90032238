package org.staged.models;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
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
     * out[m, n] = alpha · op(a) · op(b) + beta · out, op(x) = xᵀ when its flag is set.
     *
     * <p>Writing into a c-order output through ND4J's default path can be several times slower than
     * writing into an f-order one, so the product is computed as outᵀ = op(b)ᵀ·op(a)ᵀ into the f-order
     * transposed view of {@code out}, which aliases the same memory.
     */
    static void mm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray out, double alpha, double beta) {
        // Mmul directly: Nd4j.gemm refuses strided outputs such as per-head views
        MMulTranspose t = MMulTranspose.builder().transposeA(!transB).transposeB(!transA).build();
        Nd4j.exec(new Mmul(b, a, out.transpose(), alpha, beta, t));
    }

    /** out = op(a) · op(b), overwriting out. */
    static void mm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray out) {
        mm(a, transA, b, transB, out, 1.0, 0.0);
    }

    /** out += op(a) · op(b), accumulating (gradients). */
    static void mmAdd(INDArray a, boolean transA, INDArray b, boolean transB, INDArray out) {
        mm(a, transA, b, transB, out, 1.0, 1.0);
    }
}
