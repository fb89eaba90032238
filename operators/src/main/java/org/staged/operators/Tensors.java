package org.staged.operators;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The tensor reshapings growth operators are made of. Each returns a new array and takes a scale applied
 * while copying (m/2, v/4), so growing a large state is a single pass over its memory.
 */
final class Tensors {
    private Tensors() {
    }

    /** [n] → [2n]: s·[w, w]. */
    static INDArray duplicate(INDArray v, double s) {
        long n = v.length();
        INDArray out = Nd4j.createUninitialized(v.dataType(), 2 * n);
        copy(v, s, out.get(NDArrayIndex.interval(0, n)));
        copy(v, s, out.get(NDArrayIndex.interval(n, 2 * n)));
        return out;
    }

    /** [r, c] → [r, 2c]: each row duplicated side by side (embeddings), scaled. */
    static INDArray duplicateColumns(INDArray a, double s) {
        long r = a.size(0);
        long c = a.size(1);
        INDArray out = Nd4j.createUninitialized(a.dataType(), r, 2 * c);
        copy(a, s, out.get(NDArrayIndex.all(), half(c, 0)));
        copy(a, s, out.get(NDArrayIndex.all(), half(c, 1)));
        return out;
    }

    /** [r, c] → [2r, c]: the matrix stacked on itself (an untied LM head), scaled. */
    static INDArray duplicateRows(INDArray a, double s) {
        long r = a.size(0);
        INDArray out = Nd4j.createUninitialized(a.dataType(), 2 * r, a.size(1));
        copy(a, s, out.get(half(r, 0), NDArrayIndex.all()));
        copy(a, s, out.get(half(r, 1), NDArrayIndex.all()));
        return out;
    }

    /**
     * [r, c] → [2r, 2c]: [[s₀₀·W, s₀₁·W], [s₁₀·W, s₁₁·W]], row halves reading the two input halves, column
     * halves writing the two output halves; {@code blocks(W, 1, 0, 0, 1)} is the paper's [[W, 0], [0, W]] (§3.1).
     */
    static INDArray blocks(INDArray a, double s00, double s01, double s10, double s11) {
        long r = a.size(0);
        long c = a.size(1);
        INDArray out = Nd4j.createUninitialized(a.dataType(), 2 * r, 2 * c);
        double[][] s = {{s00, s01}, {s10, s11}};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                INDArray block = out.get(half(r, i), half(c, j));
                if (s[i][j] == 0) {
                    block.assign(0);
                } else {
                    copy(a, s[i][j], block);
                }
            }
        }
        return out;
    }

    /**
     * Moves {@code n} from the upper to the lower block of output half {@code j} of a [2r, 2c] matrix:
     * B₀ⱼ − n, B₁ⱼ + n. Their sum, all a duplicated input sees, is unchanged.
     */
    static void moveBetweenBlocks(INDArray grown, int j, INDArray n) {
        long r = n.size(0);
        long c = n.size(1);
        grown.get(half(r, 0), half(c, j)).subi(n);
        grown.get(half(r, 1), half(c, j)).addi(n);
    }

    /**
     * Zeros shaped like {@code like}. Written by a (multi-threaded) op rather than {@code Nd4j.zeros}, which
     * fills large buffers several times slower.
     */
    static INDArray zeros(INDArray like) {
        return Nd4j.createUninitialized(like.dataType(), like.shape()).assign(0);
    }

    /** [r, c] → [2r, 2c]: [[W, W], [W, W]], the small matrix tiled (Gopher). */
    static INDArray tile(INDArray a) {
        long r = a.size(0);
        long c = a.size(1);
        INDArray out = Nd4j.createUninitialized(a.dataType(), 2 * r, 2 * c);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                copy(a, 1, out.get(half(r, i), half(c, j)));
            }
        }
        return out;
    }

    /** A matrix with ones on its main diagonal and zeros elsewhere (rectangular allowed). */
    static INDArray identity(INDArray like) {
        long n = Math.min(like.size(0), like.size(1));
        INDArray out = zeros(like);
        out.get(NDArrayIndex.interval(0, n), NDArrayIndex.interval(0, n)).addi(Nd4j.eye(n).castTo(like.dataType()));
        return out;
    }

    private static INDArrayIndex half(long n, int which) {
        return NDArrayIndex.interval(which * n, (which + 1) * n);
    }

    /** target = s·a in one pass. */
    private static void copy(INDArray a, double s, INDArray target) {
        if (s == 1.0) {
            target.assign(a);
        } else {
            Nd4j.exec(new ScalarMultiplication(a, null, target, s));
        }
    }
}
