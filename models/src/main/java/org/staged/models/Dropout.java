package org.staged.models;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.ModelConfig;

/**
 * GPT-2's dropout on the embeddings and on each residual branch (attention and MLP outputs), for one batch
 * shape: keep-masks already scaled by 1/(1 − p). Drawn from a seed per training step, so a resumed run draws
 * the same masks. Besides regularising, dropout is what lets the two halves of a width-grown model drift
 * apart: without it they see equal gradients forever (see the width operator).
 */
final class Dropout {
    final double p;
    final int batch;
    final int seq;
    final INDArray emb;          // [B·T, C]
    final INDArray[] attn;       // [L] of [B·T, C]
    final INDArray[] mlp;        // [L] of [B·T, C]
    final INDArray branch;       // [B·T, C] scratch: a residual gradient times a mask

    Dropout(ModelConfig c, DataType dt, int batch, int seq, double p) {
        this.p = p;
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
        }
    }

    /** Draws every mask from {@code seed}. */
    void draw(long seed) {
        Nd4j.getRandom().setSeed(seed);
        fill(emb);
        for (int l = 0; l < attn.length; l++) {
            fill(attn[l]);
            fill(mlp[l]);
        }
    }

    private void fill(INDArray mask) {
        Nd4j.getExecutioner().exec(new BernoulliDistribution(mask, 1 - p), Nd4j.getRandom());
        mask.muli(1 / (1 - p));
    }

    /** @return {@code g ⊙ mask} in the scratch buffer: the gradient reaching a dropped-out branch */
    INDArray masked(INDArray g, INDArray mask) {
        return branch.assign(g).muli(mask);
    }
}
