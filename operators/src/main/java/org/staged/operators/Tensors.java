package org.staged.operators;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The tensor reshapings growth operators are made of; each returns a new array. */
final class Tensors {
    private Tensors() {
    }

    /** [n] → [2n]: G(w) = [w, w]. */
    static INDArray duplicate(INDArray v) {
        return Nd4j.concat(0, v, v);
    }

    /** [r, c] → [r, 2c]: each row duplicated side by side (embeddings). */
    static INDArray duplicateColumns(INDArray a) {
        return Nd4j.concat(1, a, a);
    }

    /** [r, c] → [2r, c]: the matrix stacked on itself (an untied LM head). */
    static INDArray duplicateRows(INDArray a) {
        return Nd4j.concat(0, a, a);
    }

    /** [r, c] → [2r, 2c]: G(W) = [[W, 0], [0, W]] (paper §3.1). */
    static INDArray blockDiagonal(INDArray a) {
        long r = a.size(0);
        long c = a.size(1);
        INDArray out = Nd4j.zeros(a.dataType(), 2 * r, 2 * c);
        out.get(NDArrayIndex.interval(0, r), NDArrayIndex.interval(0, c)).assign(a);
        out.get(NDArrayIndex.interval(r, 2 * r), NDArrayIndex.interval(c, 2 * c)).assign(a);
        return out;
    }

    /** [r, c] → [2r, 2c]: [[W, W], [W, W]], the small matrix tiled (Gopher). */
    static INDArray tile(INDArray a) {
        return Nd4j.concat(0, Nd4j.concat(1, a, a), Nd4j.concat(1, a, a));
    }

    /** A matrix with ones on its main diagonal and zeros elsewhere (rectangular allowed). */
    static INDArray identity(INDArray like) {
        INDArray out = Nd4j.zeros(like.dataType(), like.shape());
        long n = Math.min(like.size(0), like.size(1));
        for (long i = 0; i < n; i++) {
            out.putScalar(i, i, 1.0);
        }
        return out;
    }
}
