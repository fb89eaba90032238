package org.staged.models;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.ModelConfig;

/**
 * GPT-2's dropout, for one batch shape: on the embeddings and on each residual branch (attention and MLP
 * outputs) with probability {@code p}, and on the attention probabilities with {@code pAttn} (GPT-2's
 * {@code attn_pdrop}; the authors' models used 0.1 for both). Keep-masks are already scaled by 1/(1 − p).
 * Drawn from a seed per training step, so a resumed run draws the same masks. Besides regularising, dropout
 * is what lets the two halves of a width-grown model drift apart: without it they see equal gradients
 * forever (see the width operator).
 */
final class Dropout {
    final double p;
    final double pAttn;
    final int batch;
    final int seq;
    final INDArray emb;          // [B·T, C]
    final INDArray[] attn;       // [L] of [B·T, C]
    final INDArray[] mlp;        // [L] of [B·T, C]
    final INDArray branch;       // [B·T, C] scratch: a residual gradient times a mask
    final INDArray[] probs;      // [L] of [B·H, T, T] masks of the attention probabilities; null when pAttn = 0
    final INDArray[] kept;       // [L] of [B·H, T, T] the probabilities before dropout, for softmax's backward

    Dropout(ModelConfig c, DataType dt, int batch, int seq, double p, double pAttn) {
        this.p = p;
        this.pAttn = pAttn;
        this.batch = batch;
        this.seq = seq;
        long n = (long) batch * seq;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            emb = Nd4j.create(dt, n, c.dModel());
            attn = new INDArray[c.nLayer()];
            mlp = new INDArray[c.nLayer()];
            for (int l = 0; l < c.nLayer(); l++) {
                attn[l] = Nd4j.create(dt, n, c.dModel());
                mlp[l] = Nd4j.create(dt, n, c.dModel());
            }
            branch = Nd4j.create(dt, n, c.dModel());
            probs = pAttn > 0 ? new INDArray[c.nLayer()] : null;
            kept = pAttn > 0 ? new INDArray[c.nLayer()] : null;
            for (int l = 0; probs != null && l < c.nLayer(); l++) {
                probs[l] = Nd4j.create(dt, (long) batch * c.nHead(), seq, seq);
                kept[l] = Nd4j.create(dt, (long) batch * c.nHead(), seq, seq);
            }
        }
    }

    /** Draws every mask from {@code seed}; the attention-probability masks last, so the others do not move. */
    void draw(long seed) {
        Nd4j.getRandom().setSeed(seed);
        fill(emb, p);
        for (int l = 0; l < attn.length; l++) {
            fill(attn[l], p);
            fill(mlp[l], p);
        }
        for (int l = 0; probs != null && l < probs.length; l++) {
            fill(probs[l], pAttn);
        }
    }

    private static void fill(INDArray mask, double p) {
        if (p == 0) {
            mask.assign(1);
            return;
        }
        Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, 1 - p), Nd4j.getRandom());
        mask.muli(1 / (1 - p));
    }

    /** @return {@code g ⊙ mask} in the scratch buffer: the gradient reaching a dropped-out branch */
    INDArray masked(INDArray g, INDArray mask) {
        return branch.assign(g).muli(mask);
    }
}
