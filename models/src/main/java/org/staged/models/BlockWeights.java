package org.staged.models;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The tensors of one transformer block {@code h.i}, looked up once by name. Used both for parameters and
 * for their gradients, which share names and shapes.
 */
record BlockWeights(INDArray ln1W, INDArray ln1B,
                    INDArray qW, INDArray qB, INDArray kW, INDArray kB, INDArray vW, INDArray vB,
                    INDArray projW, INDArray projB,
                    INDArray ln2W, INDArray ln2B,
                    INDArray fcW, INDArray fcB, INDArray fcProjW, INDArray fcProjB) {

    /** Resolves block {@code layer}'s tensors from a name → tensor map. */
    static BlockWeights of(Map<String, INDArray> t, int layer) {
        String h = "h." + layer + ".";
        return new BlockWeights(
                t.get(h + "ln_1.weight"), t.get(h + "ln_1.bias"),
                t.get(h + "attn.q.weight"), t.get(h + "attn.q.bias"),
                t.get(h + "attn.k.weight"), t.get(h + "attn.k.bias"),
                t.get(h + "attn.v.weight"), t.get(h + "attn.v.bias"),
                t.get(h + "attn.c_proj.weight"), t.get(h + "attn.c_proj.bias"),
                t.get(h + "ln_2.weight"), t.get(h + "ln_2.bias"),
                t.get(h + "mlp.c_fc.weight"), t.get(h + "mlp.c_fc.bias"),
                t.get(h + "mlp.c_proj.weight"), t.get(h + "mlp.c_proj.bias"));
    }
}
