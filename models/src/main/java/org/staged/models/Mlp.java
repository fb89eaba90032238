package org.staged.models;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The feed-forward sublayer: out = GELU(x W_fc + b_fc) W_proj + b_proj, with GPT-2's tanh approximation
 * GELU(h) = ½h(1 + tanh(u)), u = √(2/π)(h + 0.044715h³), computed as h·σ(2u) (the same function:
 * ½(1 + tanh(u)) = σ(2u)) because ND4J's sigmoid is twice as fast as its tanh.
 */
final class Mlp {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_A = 0.044715;

    private Mlp() {
    }

    /** xOut = xIn + MLP(ln), saving the pre-activation, its tanh and the activation in {@code s}. */
    static void forward(INDArray ln, INDArray xIn, BlockWeights w, Activations.Layer s, INDArray xOut) {
        CausalSelfAttention.project(ln, w.fcW(), w.fcB(), s.h);            // h [B·T, F]
        INDArray twoU = s.h.mul(s.h).muli(GELU_A).addi(1.0).muli(s.h).muli(2 * GELU_C); // 2u
        Nd4j.exec(new Sigmoid(twoU, s.sig));                               // s = σ(2u)
        s.h.mul(s.sig, s.a);                                               // GELU(h) = h·s
        xOut.assign(xIn);                                                  // residual
        Gemm.mmAdd(s.a, false, w.fcProjW(), false, xOut);
        xOut.addiRowVector(w.fcProjB());
    }

    /**
     * Backward of {@link #forward}: given dOut = dL/dxOut, accumulates weight gradients into {@code g} and writes
     * dL/dln into {@code a.dln}. GELU'(h) = s + h·s(1 − s)·2√(2/π)(1 + 3·0.044715h²), s = σ(2u).
     */
    static void backward(INDArray dOut, INDArray ln, BlockWeights w, Activations.Layer s, Activations a,
                         BlockWeights g) {
        CausalSelfAttention.projectBackward(s.a, dOut, a.ones, g.fcProjW(), g.fcProjB());
        Gemm.mm(dOut, false, w.fcProjW(), true, a.dh);                      // dL/da [B·T, F]
        INDArray twoDu = s.h.mul(s.h).muli(3 * GELU_A).addi(1.0).muli(2 * GELU_C); // d(2u)/dh
        INDArray grad = s.sig.rsub(1.0).muli(s.sig).muli(twoDu).muli(s.h).addi(s.sig);
        a.dh.muli(grad);                                                   // dL/dh
        CausalSelfAttention.projectBackward(ln, a.dh, a.ones, g.fcW(), g.fcB());
        Gemm.mm(a.dh, false, w.fcW(), true, a.dln);                        // dL/dln
    }
}
