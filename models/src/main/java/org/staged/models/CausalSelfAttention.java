package org.staged.models;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
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

    /** The per-head products of one layer, built once on its fixed buffers (index b·H + h). */
    record HeadOps(CustomOp[] scores, CustomOp[] values, CustomOp[] dProbs, CustomOp[] dValues,
                   CustomOp[] dQueries, CustomOp[] dKeys) {
    }

    /** Builds layer {@code s}'s per-head products; backward ones write into the shared scratch of {@code a}. */
    static HeadOps headOps(Activations.Layer s, Activations a) {
        int heads = s.attHead.length;
        double scale = 1.0 / Math.sqrt(s.q.head[0].size(1));
        HeadOps o = new HeadOps(new CustomOp[heads], new CustomOp[heads], new CustomOp[heads],
                new CustomOp[heads], new CustomOp[heads], new CustomOp[heads]);
        for (int i = 0; i < heads; i++) {
            o.scores[i] = Gemm.op(s.q.head[i], false, s.k.head[i], true, s.attHead[i], scale, 0); // q kᵀ/√hs
            o.values[i] = Gemm.op(s.attHead[i], false, s.v.head[i], false, s.y.head[i], 1, 0);   // P v
            o.dProbs[i] = Gemm.op(a.dy.head[i], false, s.v.head[i], true, a.dAttHead[i], 1, 0);  // dP = dy vᵀ
            o.dValues[i] = Gemm.op(s.attHead[i], true, a.dy.head[i], false, a.dv.head[i], 1, 0); // dv = Pᵀ dy
            o.dQueries[i] = Gemm.op(a.dAttHead[i], false, s.k.head[i], false, a.dq.head[i], scale, 0); // dS k/√hs
            o.dKeys[i] = Gemm.op(a.dAttHead[i], true, s.q.head[i], false, a.dk.head[i], scale, 0);     // dSᵀ q/√hs
        }
        return o;
    }

    /**
     * xOut = xIn + Attn(ln), saving q, k, v, the probabilities and the head outputs in {@code s}. With a
     * dropout mask on the probabilities, {@code s.att} holds the dropped-out P' = P ⊙ mask the values are
     * weighted with, and {@code kept} the P softmax's backward needs.
     */
    static void forward(INDArray ln, INDArray xIn, BlockWeights w, INDArray mask, Activations.Layer s,
                        INDArray xOut, INDArray probMask, INDArray kept) {
        project(ln, w.qW(), w.qB(), s.q.all);                               // [B·T, C]
        project(ln, w.kW(), w.kB(), s.k.all);
        project(ln, w.vW(), w.vB(), s.v.all);
        Gemm.run(s.ops.scores());                                          // scores = q kᵀ/√hs  [T, T] per head
        long t = mask.size(0);
        s.att.reshape(s.att.size(0), t * t).addiRowVector(mask.reshape(t * t)); // −∞ above the diagonal
        Nd4j.exec(new SoftMax(s.att, s.att, -1));                          // in place, over keys
        if (probMask != null) {                                            // P' = P ⊙ mask
            kept.assign(s.att);
            s.att.muli(probMask);
        }
        Gemm.run(s.ops.values());                                          // y_h = P v_h  [T, hs]
        xOut.assign(xIn);                                                  // residual
        Gemm.mmAdd(s.y.all, false, w.projW(), false, xOut);
        xOut.addiRowVector(w.projB());
    }

    /**
     * Backward of {@link #forward}: given dOut = dL/dxOut, accumulates weight gradients into {@code g} and writes
     * dL/dln into {@code a.dln}. The residual's own gradient (dOut itself) is left to the caller.
     */
    static void backward(INDArray dOut, INDArray ln, BlockWeights w, Activations.Layer s, Activations a,
                         BlockWeights g, INDArray probMask, INDArray kept) {
        projectBackward(s.y.all, dOut, a.ones, g.projW(), g.projB());      // dW_o += yᵀ dOut
        Gemm.mm(dOut, false, w.projW(), true, a.dy.all);                   // dy = dOut W_oᵀ
        Gemm.run(s.ops.dProbs());                                          // dP = dy vᵀ
        Gemm.run(s.ops.dValues());                                         // dv = Pᵀ dy
        if (probMask != null) {                                            // dP = dP' ⊙ mask
            a.dAtt.muli(probMask);
        }
        softmaxBackward(probMask != null ? kept : s.att, a.dAtt);          // dP → dScores, in place
        Gemm.run(s.ops.dQueries());                                        // dq = dS k/√hs
        Gemm.run(s.ops.dKeys());                                           // dk = dSᵀ q/√hs
        Gemm.mm(a.dq.all, false, w.qW(), true, a.dln);                      // dln = dq W_qᵀ + dk W_kᵀ + dv W_vᵀ
        Gemm.mmAdd(a.dk.all, false, w.kW(), true, a.dln);
        Gemm.mmAdd(a.dv.all, false, w.vW(), true, a.dln);
        projectBackward(ln, a.dq.all, a.ones, g.qW(), g.qB());
        projectBackward(ln, a.dk.all, a.ones, g.kW(), g.kB());
        projectBackward(ln, a.dv.all, a.ones, g.vW(), g.vB());
    }

    /** out = x W + b. */
    static void project(INDArray x, INDArray weight, INDArray bias, INDArray out) {
        Gemm.mm(x, false, weight, false, out);
        out.addiRowVector(bias);
    }

    /** dW += xᵀ dOut, db += Σ_rows dOut. */
    static void projectBackward(INDArray x, INDArray dOut, INDArray ones, INDArray dWeight, INDArray dBias) {
        Gemm.mmAdd(x, true, dOut, false, dWeight);
        Gemm.addColumnSums(ones, dOut, dBias);
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
