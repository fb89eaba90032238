package org.staged.models;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Causal multi-head self-attention with separate q, k, v projections (so each can be grown on its own,
 * paper §3.1): out = concat_h(softmax(q_h k_hᵀ/√hs + mask) v_h) · W_o + b_o.
 *
 * <p>Heads are processed as [T, hs] views of the [B·T, C] projections, one gemm each, which avoids the
 * permute copies and the slow batched 4-D matmul of ND4J.
 */
final class CausalSelfAttention {
    private CausalSelfAttention() {
    }

    /** xOut = xIn + Attn(ln), saving q, k, v, the probabilities and the head outputs in {@code s}. */
    static void forward(INDArray ln, INDArray xIn, BlockWeights w, INDArray mask, Activations.Layer s,
                        INDArray xOut) {
        project(ln, w.qW(), w.qB(), s.q.all);                               // [B·T, C]
        project(ln, w.kW(), w.kB(), s.k.all);
        project(ln, w.vW(), w.vB(), s.v.all);
        double scale = 1.0 / Math.sqrt(s.q.head[0].size(1));
        int heads = s.attHead.length;
        for (int i = 0; i < heads; i++) {                                  // scores = q kᵀ/√hs  [T, T]
            Gemm.mm(s.q.head[i], false, s.k.head[i], true, s.attHead[i], scale, 0.0);
        }
        long t = mask.size(0);
        s.att.reshape(heads, t * t).addiRowVector(mask.reshape(t * t));     // −∞ above the diagonal
        Nd4j.exec(new SoftMax(s.att, s.att, -1));                          // in place, over keys
        for (int i = 0; i < heads; i++) {                                  // y_h = P v_h  [T, hs]
            Gemm.mm(s.attHead[i], false, s.v.head[i], false, s.y.head[i]);
        }
        xOut.assign(xIn);                                                  // residual
        Gemm.mmAdd(s.y.all, false, w.projW(), false, xOut);
        xOut.addiRowVector(w.projB());
    }

    /**
     * Backward of {@link #forward}: given dOut = dL/dxOut, accumulates weight gradients into {@code g} and writes
     * dL/dln into {@code a.dln}. The residual's own gradient (dOut itself) is left to the caller.
     */
    static void backward(INDArray dOut, INDArray ln, BlockWeights w, Activations.Layer s, Activations a,
                         BlockWeights g) {
        Gemm.mmAdd(s.y.all, true, dOut, false, g.projW());                  // dW_o += yᵀ dOut
        g.projB().addi(dOut.sum(0));
        Gemm.mm(dOut, false, w.projW(), true, a.dy.all);                   // dy = dOut W_oᵀ
        int heads = s.attHead.length;
        for (int i = 0; i < heads; i++) {
            Gemm.mm(a.dy.head[i], false, s.v.head[i], true, a.dAttHead[i]);  // dP = dy vᵀ
            Gemm.mm(s.attHead[i], true, a.dy.head[i], false, a.dv.head[i]);  // dv = Pᵀ dy
        }
        softmaxBackward(s.att, a.dAtt);                                    // dP → dScores, in place
        double scale = 1.0 / Math.sqrt(s.q.head[0].size(1));
        for (int i = 0; i < heads; i++) {
            Gemm.mm(a.dAttHead[i], false, s.k.head[i], false, a.dq.head[i], scale, 0.0); // dq = dS k/√hs
            Gemm.mm(a.dAttHead[i], true, s.q.head[i], false, a.dk.head[i], scale, 0.0);  // dk = dSᵀ q/√hs
        }
        Gemm.mm(a.dq.all, false, w.qW(), true, a.dln);                      // dln = dq W_qᵀ + dk W_kᵀ + dv W_vᵀ
        Gemm.mmAdd(a.dk.all, false, w.kW(), true, a.dln);
        Gemm.mmAdd(a.dv.all, false, w.vW(), true, a.dln);
        projectBackward(ln, a.dq.all, g.qW(), g.qB());
        projectBackward(ln, a.dk.all, g.kW(), g.kB());
        projectBackward(ln, a.dv.all, g.vW(), g.vB());
    }

    /** out = x W + b. */
    static void project(INDArray x, INDArray weight, INDArray bias, INDArray out) {
        Gemm.mm(x, false, weight, false, out);
        out.addiRowVector(bias);
    }

    /** dW += xᵀ dOut, db += Σ_rows dOut. */
    static void projectBackward(INDArray x, INDArray dOut, INDArray dWeight, INDArray dBias) {
        Gemm.mmAdd(x, true, dOut, false, dWeight);
        dBias.addi(dOut.sum(0));
    }

    /** Softmax backward over the last axis, in place: dS = P ⊙ (dP − Σ_j dP_j P_j). */
    private static void softmaxBackward(INDArray p, INDArray d) {
        long rows = p.length() / p.size(-1);
        long cols = p.size(-1);
        INDArray p2 = p.reshape(rows, cols);
        INDArray d2 = d.reshape(rows, cols);
        INDArray dot = d2.mul(p2).sum(true, 1);                            // [rows, 1]
        d2.subiColumnVector(dot).muli(p2);
    }
}
