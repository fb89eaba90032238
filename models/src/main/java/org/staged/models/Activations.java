package org.staged.models;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.staged.api.ModelConfig;

/**
 * Every tensor the forward pass saves for the backward pass, and the backward scratch buffers, for one batch
 * shape [B, T]. Allocated once outside any workspace and reused every step, so the per-head views that
 * attention works on are built once too. Names follow the forward pass in {@link Gpt}.
 */
final class Activations {
    final int batch;
    final int seq;
    final INDArray[] x;            // [L+1] residual stream entering block l, [B·T, C]; x[L] enters ln_f
    final Layer[] layers;          // [L]
    final LayerNorm.Saved lnF;     // final LayerNorm
    final INDArray logits;         // [B·T, V]; overwritten by probabilities, then by dL/dlogits
    final INDArray targetLogit;    // [B·T] logit of the target token
    final INDArray targetLogProb;  // [B·T, 1] log p(target), kept for evaluation
    final INDArray ones;           // [B·T, 1] for column sums via gemm
    // backward scratch, shared by all layers
    final INDArray dx;             // [B·T, C] gradient of the residual stream
    final INDArray dln;            // [B·T, C] gradient w.r.t. a LayerNorm output
    final INDArray dh;             // [B·T, F] gradient w.r.t. the MLP hidden layer
    final Heads dq, dk, dv, dy;    // [B·T, C] gradients w.r.t. q, k, v and the attention output
    final INDArray dAtt;           // [B·H, T, T] gradient w.r.t. attention probabilities, then scores
    final INDArray[] dAttHead;     // per-head [T, T] views of dAtt

    /** Saved tensors of one block. */
    static final class Layer {
        final LayerNorm.Saved ln1, ln2;
        final Heads q, k, v, y;    // [B·T, C] with per-head views
        final INDArray att;        // [B·H, T, T] attention probabilities
        final INDArray[] attHead;  // per-head [T, T] views of att
        final INDArray xMid;       // [B·T, C] residual stream after attention
        final INDArray h;          // [B·T, F] MLP pre-activation
        final INDArray sig;        // [B·T, F] σ(2√(2/π)(h + 0.044715h³)), reused by GELU's backward
        CausalSelfAttention.HeadOps ops; // per-head products on the buffers above
        final INDArray a;          // [B·T, F] GELU(h)

        Layer(ModelConfig c, DataType dt, int b, int t) {
            long n = (long) b * t;
            ln1 = saved(dt, n, c.dModel());
            ln2 = saved(dt, n, c.dModel());
            q = new Heads(dt, b, t, c);
            k = new Heads(dt, b, t, c);
            v = new Heads(dt, b, t, c);
            y = new Heads(dt, b, t, c);
            att = Nd4j.create(dt, (long) b * c.nHead(), t, t);
            attHead = slices(att);
            xMid = Nd4j.create(dt, n, c.dModel());
            h = Nd4j.create(dt, n, c.dFf());
            sig = Nd4j.create(dt, n, c.dFf());
            a = Nd4j.create(dt, n, c.dFf());
        }
    }

    /** A [B·T, C] tensor and its [T, headSize] view for each (batch row, head), indexed b·H + h. */
    static final class Heads {
        final INDArray all;
        final INDArray[] head;

        Heads(DataType dt, int b, int t, ModelConfig c) {
            all = Nd4j.create(dt, (long) b * t, c.dModel());
            int hs = c.headSize();
            head = new INDArray[b * c.nHead()];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < c.nHead(); j++) {
                    head[i * c.nHead() + j] = all.get(NDArrayIndex.interval((long) i * t, (long) (i + 1) * t),
                            NDArrayIndex.interval((long) j * hs, (long) (j + 1) * hs));
                }
            }
        }
    }

    Activations(ModelConfig c, DataType dt, int batch, int seq) {
        this.batch = batch;
        this.seq = seq;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            long n = (long) batch * seq;
            x = new INDArray[c.nLayer() + 1];
            for (int l = 0; l <= c.nLayer(); l++) {
                x[l] = Nd4j.create(dt, n, c.dModel());
            }
            lnF = saved(dt, n, c.dModel());
            logits = Nd4j.create(dt, n, c.vocabSize());
            targetLogit = Nd4j.create(dt, n, 1);
            targetLogProb = Nd4j.create(dt, n, 1);
            ones = Nd4j.ones(dt, n, 1);
            dx = Nd4j.create(dt, n, c.dModel());
            dln = Nd4j.create(dt, n, c.dModel());
            dh = Nd4j.create(dt, n, c.dFf());
            dq = new Heads(dt, batch, seq, c);
            dk = new Heads(dt, batch, seq, c);
            dv = new Heads(dt, batch, seq, c);
            dy = new Heads(dt, batch, seq, c);
            dAtt = Nd4j.create(dt, (long) batch * c.nHead(), seq, seq);
            dAttHead = slices(dAtt);
            layers = new Layer[c.nLayer()];
            for (int l = 0; l < c.nLayer(); l++) {
                layers[l] = new Layer(c, dt, batch, seq);
                layers[l].ops = CausalSelfAttention.headOps(layers[l], this);
            }
        }
    }

    /**
     * Frees every buffer now. Off-heap memory is otherwise returned only when the garbage collector runs,
     * which may be never while the Java heap stays small; evaluation with varying batch shapes would pile up
     * a set of activations per shape.
     */
    void close() {
        List<INDArray> all = new ArrayList<>(List.of(x));
        for (Layer l : layers) {
            all.addAll(List.of(l.ln1.xhat, l.ln1.rstd, l.ln1.out, l.ln2.xhat, l.ln2.rstd, l.ln2.out, l.q.all, l.k.all,
                    l.v.all, l.y.all, l.att, l.xMid, l.h, l.sig, l.a));
        }
        all.addAll(List.of(lnF.xhat, lnF.rstd, lnF.out, logits, targetLogit, targetLogProb, ones, dx, dln, dh, dq.all,
                dk.all, dv.all, dy.all, dAtt));
        for (INDArray a : all) {
            if (a.closeable()) {
                a.close();
            }
        }
    }

    private static LayerNorm.Saved saved(DataType dt, long n, int c) {
        return new LayerNorm.Saved(Nd4j.create(dt, n, c), Nd4j.create(dt, n, 1), Nd4j.create(dt, n, c));
    }

    private static INDArray[] slices(INDArray a) {
        INDArray[] s = new INDArray[(int) a.size(0)];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.slice(i);
        }
        return s;
    }
}
