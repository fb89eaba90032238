package org.staged.models;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The feed-forward sublayer: out = GELU(x W_fc + b_fc) W_proj + b_proj, with GPT-2's tanh approximation
 * GELU(h) = ½h(1 + tanh(√(2/π)(h + 0.044715h³))).
 */
final class Mlp {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_A = 0.044715;

    private Mlp() {
    }

    /** xOut = xIn + MLP(ln), saving the pre-activation, its tanh and the activation in {@code s}. */
    static void forward(INDArray ln, INDArray xIn, BlockWeights w, Activations.Layer s, INDArray xOut) {
        CausalSelfAttention.project(ln, w.fcW(), w.fcB(), s.h);            // h [B·T, F]
        INDArray u = s.h.mul(s.h).muli(GELU_A).addi(1.0).muli(s.h).muli(GELU_C); // √(2/π)(h + a·h³)
        s.tanh.assign(Transforms.tanh(u, false));
        s.a.assign(s.tanh).addi(1.0).muli(s.h).muli(0.5);                  // ½h(1 + t)
        xOut.assign(xIn);                                                  // residual
        Gemm.mmAdd(s.a, false, w.fcProjW(), false, xOut);
        xOut.addiRowVector(w.fcProjB());
    }

    /**
     * Backward of {@link #forward}: given dOut = dL/dxOut, accumulates weight gradients into {@code g} and writes
     * dL/dln into {@code a.dln}. GELU'(h) = ½(1 + t) + ½h(1 − t²)·√(2/π)(1 + 3·0.044715h²).
     */
    static void backward(INDArray dOut, INDArray ln, BlockWeights w, Activations.Layer s, Activations a,
                         BlockWeights g) {
        CausalSelfAttention.projectBackward(s.a, dOut, g.fcProjW(), g.fcProjB());
        Gemm.mm(dOut, false, w.fcProjW(), true, a.dh);                      // dL/da [B·T, F]
        INDArray sech2 = s.tanh.mul(s.tanh).rsubi(1.0);                    // 1 − t²
        INDArray du = s.h.mul(s.h).muli(3 * GELU_A).addi(1.0).muli(GELU_C); // du/dh
        INDArray grad = sech2.muli(du).muli(s.h).addi(s.tanh).addi(1.0).muli(0.5);
        a.dh.muli(grad);                                                   // dL/dh
        CausalSelfAttention.projectBackward(ln, a.dh, g.fcW(), g.fcB());
        Gemm.mm(a.dh, false, w.fcW(), true, a.dln);                        // dL/dln
    }
}
