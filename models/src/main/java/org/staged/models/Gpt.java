package org.staged.models;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.api.ops.impl.shape.Gather;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.staged.api.ModelConfig;

/**
 * GPT-2 with pre-LayerNorm blocks (Radford et al. 2019), forward and backward written by hand in ND4J.
 *
 * <pre>
 *   x₀ = wte[idx] + wpe[0:T]
 *   x' = x + Attn(LN₁(x));  x'' = x' + MLP(LN₂(x'))      for each block h.0 … h.(L-1)
 *   logits = LN_f(x_L) · W_headᵀ   (W_head = wte when tied)
 *   loss = mean over tokens of −log softmax(logits)[target]
 * </pre>
 *
 * <p>The model holds references to the parameter tensors it is given (it never copies them), so an
 * optimizer updating those tensors in place is seen at the next step. Saved activations live in an
 * {@link Activations} allocated once per batch shape; temporaries live in a workspace reset every pass.
 * Not thread-safe: one instance per training loop.
 */
public final class Gpt {
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final double MASKED = -1e9;

    private final ModelConfig config;
    private final Map<String, INDArray> params;
    private final BlockWeights[] blocks;
    private final String workspaceId = "gpt-" + INSTANCES.incrementAndGet();
    private final WorkspaceConfiguration workspace = WorkspaceConfiguration.builder()
            .initialSize(0).policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.1)
            .policySpill(SpillPolicy.REALLOCATE).build();
    private Activations act;
    private INDArray mask;          // [T, T] 0 on and below the diagonal, −1e9 above
    private INDArray flatIdx;       // [B·T] token ids of the last forward pass
    private INDArray targetIndex;   // [B·T] flat index row·V + target into the logits
    private double dropout;         // probability of dropping, training passes only
    private double attnDropout;     // probability of dropping an attention probability, training passes only
    private long dropoutSeed;       // seed of the next training pass's masks
    private Dropout dropoutMasks;   // masks for the current batch shape
    private Dropout lastDrop;       // masks of the last forward pass, null when it dropped nothing

    /**
     * @param config model shape
     * @param params parameters by name (see {@link ModelConfig#parameterShapes()}), all of one float type
     */
    public Gpt(ModelConfig config, Map<String, INDArray> params) {
        this.config = config;
        this.params = params;
        this.blocks = new BlockWeights[config.nLayer()];
        for (int l = 0; l < config.nLayer(); l++) {
            blocks[l] = BlockWeights.of(params, l);
        }
    }

    /** @return the model shape */
    public ModelConfig config() {
        return config;
    }

    /**
     * Mean cross-entropy of next-token prediction, forward only.
     *
     * @param idx     input token ids [B, T], integer type
     * @param targets target token ids [B, T]
     * @return mean loss in nats per token
     */
    public double loss(INDArray idx, INDArray targets) {
        return forward(idx, targets, false);
    }

    /**
     * Per-token log-probabilities of the targets, forward only: what perplexity and zero-shot evaluation
     * need beyond the mean loss.
     *
     * @param idx     input token ids [B, T]
     * @param targets target token ids [B, T]
     * @return log p(target) for each position, row-major [B·T]
     */
    public double[] targetLogProbs(INDArray idx, INDArray targets) {
        forward(idx, targets, false);
        return act.targetLogProb.toDoubleVector();
    }

    /**
     * The most likely next token at every position, from the last forward pass ({@link #loss},
     * {@link #targetLogProbs}): what greedy decoding would emit there.
     *
     * @return argmax of the predicted distribution, row-major [B·T]
     */
    public int[] lastArgmax() {
        return act.logits.argMax(1).toIntVector();
    }

    /**
     * Forward and backward pass: adds d(loss)/dθ to {@code grads} (the caller zeroes them; accumulating lets
     * a large batch be split into micro-batches).
     *
     * @param idx     input token ids [B, T]
     * @param targets target token ids [B, T]
     * @param grads   gradient tensors by parameter name, same shapes as the parameters
     * @return mean loss in nats per token
     */
    public double lossAndGradients(INDArray idx, INDArray targets, Map<String, INDArray> grads) {
        double loss = forward(idx, targets, dropping());
        backward(grads);
        return loss;
    }

    /**
     * Dropout for the training passes that follow ({@link #lossAndGradients}); evaluation never drops.
     *
     * @param p    probability of dropping an embedding or residual-branch activation (GPT-2: 0.1; 0: none)
     * @param seed seed of the masks of the next pass (the trainer derives it from the step, so a resumed run
     *             draws the same masks)
     */
    public void setDropout(double p, long seed) {
        setDropout(p, 0, seed);
    }

    /**
     * Dropout for the training passes that follow, GPT-2's three kinds.
     *
     * @param p     probability of dropping an embedding or residual-branch activation (GPT-2: 0.1; 0: none)
     * @param pAttn probability of dropping an attention probability (GPT-2's attn_pdrop: 0.1; 0: none)
     * @param seed  seed of the masks of the next pass
     */
    public void setDropout(double p, double pAttn, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), found " + p);
        }
        if (!(pAttn >= 0 && pAttn < 1)) {
            throw new IllegalArgumentException("attention dropout must be in [0, 1), found " + pAttn);
        }
        this.dropout = p;
        this.attnDropout = pAttn;
        this.dropoutSeed = seed;
    }

    private boolean dropping() {
        return dropout > 0 || attnDropout > 0;
    }

    /** The loss of a training pass (with dropout, if set) without gradients: for gradient checks. */
    double trainingLoss(INDArray idx, INDArray targets) {
        return forward(idx, targets, dropping());
    }

    private double forward(INDArray idx, INDArray targets, boolean drop) {
        int b = (int) idx.size(0);
        int t = (int) idx.size(1);
        if (t > config.contextLength()) {
            throw new IllegalArgumentException("sequence length " + t + " exceeds contextLength "
                    + config.contextLength());
        }
        prepare(b, t, idx, targets);
        Activations a = act;
        long c = config.dModel();
        Dropout d = drop ? dropoutFor(b, t) : null;
        lastDrop = d;
        // token + position embeddings
        Nd4j.exec(gather(params.get("wte.weight"), flatIdx, a.x[0]));
        a.x[0].reshape(b, t * c).addiRowVector(positions(params.get("wpe.weight"), t).reshape(1, t * c));
        if (d != null) {
            a.x[0].muli(d.emb);
        }
        for (int l = 0; l < config.nLayer(); l++) {
            try (MemoryWorkspace ignored = scope()) {
                Activations.Layer s = a.layers[l];
                BlockWeights w = blocks[l];
                LayerNorm.forward(a.x[l], w.ln1W(), w.ln1B(), config.layerNormEps(), s.ln1);
                CausalSelfAttention.forward(s.ln1.out, a.x[l], w, mask, s, s.xMid,
                        d == null || d.probs == null ? null : d.probs[l], d == null || d.kept == null ? null : d.kept[l]);
                if (d != null) {   // x' = x + mask ⊙ Attn(LN(x))
                    s.xMid.subi(a.x[l]).muli(d.attn[l]).addi(a.x[l]);
                }
                LayerNorm.forward(s.xMid, w.ln2W(), w.ln2B(), config.layerNormEps(), s.ln2);
                Mlp.forward(s.ln2.out, s.xMid, w, s, a.x[l + 1]);
                if (d != null) {   // y = x' + mask ⊙ MLP(LN(x'))
                    a.x[l + 1].subi(s.xMid).muli(d.mlp[l]).addi(s.xMid);
                }
            }
        }
        try (MemoryWorkspace ignored = scope()) {
            LayerNorm.forward(a.x[config.nLayer()], params.get("ln_f.weight"), params.get("ln_f.bias"),
                    config.layerNormEps(), a.lnF);
            // logits = ln_f · W_head  [B·T, V]
            if (config.tiedHead()) {
                Gemm.mm(a.lnF.out, false, params.get("wte.weight"), true, a.logits);
            } else {
                Gemm.mm(a.lnF.out, false, params.get("lm_head.weight"), false, a.logits);
            }
            return crossEntropy(a);
        }
    }

    /** Temporaries of one block live in a workspace reset when the block is done. */
    private MemoryWorkspace scope() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(workspace, workspaceId);
    }

    /** Turns logits into probabilities in place and returns mean −log p(target), computed stably. */
    private double crossEntropy(Activations a) {
        Nd4j.exec(gather(a.logits.reshape(a.logits.length()), targetIndex, a.targetLogit.reshape(-1)));
        INDArray max = a.logits.max(true, 1);                              // [N, 1]
        a.logits.subiColumnVector(max);
        Transforms.exp(a.logits, false);
        INDArray sum = a.logits.sum(true, 1);                              // [N, 1]
        a.logits.diviColumnVector(sum);                                    // probabilities
        // log p(target) = z_t − max − log Σ exp(z − max)
        INDArray logp = a.targetLogit.sub(max).subi(Transforms.log(sum, false));
        a.targetLogProb.assign(logp);
        return -logp.sumNumber().doubleValue() / logp.length();
    }

    private void backward(Map<String, INDArray> grads) {
        Activations a = act;
        long n = a.logits.size(0);
        INDArray dWte = grads.get("wte.weight");
        try (MemoryWorkspace ignored = scope()) {
            // dL/dlogits = (p − onehot(target)) / N
            INDArray flatLogits = a.logits.reshape(a.logits.length());
            INDArray minusOne = Nd4j.valueArrayOf(new long[] {n}, -1.0, a.logits.dataType());
            Nd4j.exec(scatterAdd(flatLogits, targetIndex, minusOne));
            a.logits.muli(1.0 / n);
            if (config.tiedHead()) {
                Gemm.mm(a.logits, false, params.get("wte.weight"), false, a.dln);      // dL/dln_f
                Gemm.mmAdd(a.logits, true, a.lnF.out, false, dWte);                  // dW_head = dlogitsᵀ ln_f
            } else {
                Gemm.mm(a.logits, false, params.get("lm_head.weight"), true, a.dln);
                Gemm.mmAdd(a.lnF.out, true, a.logits, false, grads.get("lm_head.weight"));
            }
            a.dx.assign(0);
            LayerNorm.backward(a.dln, a.lnF, params.get("ln_f.weight"), a.dx,
                    grads.get("ln_f.weight"), grads.get("ln_f.bias"), a.ones);
        }
        for (int l = config.nLayer() - 1; l >= 0; l--) {
            try (MemoryWorkspace ignored = scope()) {
                Activations.Layer s = a.layers[l];
                BlockWeights w = blocks[l];
                BlockWeights g = BlockWeights.of(grads, l);
                Dropout d = lastDrop;
                Mlp.backward(d == null ? a.dx : d.masked(a.dx, d.mlp[l]), s.ln2.out, w, s, a, g); // dx: dL/dx_{l+1}
                LayerNorm.backward(a.dln, s.ln2, w.ln2W(), a.dx, g.ln2W(), g.ln2B(), a.ones); // now dL/dx'
                CausalSelfAttention.backward(d == null ? a.dx : d.masked(a.dx, d.attn[l]), s.ln1.out, w, s, a, g,
                        d == null || d.probs == null ? null : d.probs[l], d == null || d.kept == null ? null : d.kept[l]);
                LayerNorm.backward(a.dln, s.ln1, w.ln1W(), a.dx, g.ln1W(), g.ln1B(), a.ones); // now dL/dx_l
            }
        }
        // embeddings: scatter-add rows into dwte (repeated tokens accumulate), sum over batch into dwpe
        if (lastDrop != null) {
            a.dx.muli(lastDrop.emb);
        }
        Nd4j.exec(scatterAdd(dWte, flatIdx, a.dx));
        int b = a.batch;
        int t = a.seq;
        long c = config.dModel();
        INDArray onesB = a.ones.get(NDArrayIndex.interval(0, b), NDArrayIndex.all());
        Gemm.addColumnSums(onesB, a.dx.reshape(b, t * c), positions(grads.get("wpe.weight"), t).reshape(t * c));
    }

    /** The dropout masks for this batch shape, drawn from the current seed. */
    private Dropout dropoutFor(int b, int t) {
        if (dropoutMasks == null || dropoutMasks.batch != b || dropoutMasks.seq != t || dropoutMasks.p != dropout
                || dropoutMasks.pAttn != attnDropout) {
            dropoutMasks = new Dropout(config, params.get("wte.weight").dataType(), b, t, dropout, attnDropout);
        }
        dropoutMasks.draw(dropoutSeed);
        return dropoutMasks;
    }

    /** (Re)allocates activations and the mask for this batch shape; records token and target indices. */
    private void prepare(int b, int t, INDArray idx, INDArray targets) {
        DataType dt = params.get("wte.weight").dataType();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (act == null || act.batch != b || act.seq != t) {
                if (act != null) {
                    act.close();   // free the old shape's buffers now, not at some later collection
                }
                act = new Activations(config, dt, b, t);
                double[][] m = new double[t][t];
                for (int i = 0; i < t; i++) {
                    for (int j = i + 1; j < t; j++) {
                        m[i][j] = MASKED;
                    }
                }
                mask = Nd4j.create(m).castTo(dt);
            }
            long n = (long) b * t;
            flatIdx = idx.reshape(n).castTo(DataType.INT32);
            long[] target = targets.reshape(n).toLongVector();
            for (int i = 0; i < n; i++) {
                target[i] += (long) i * config.vocabSize();
            }
            targetIndex = Nd4j.createFromArray(target);
        }
    }

    private static INDArray positions(INDArray wpe, int t) {
        return wpe.get(NDArrayIndex.interval(0, t), NDArrayIndex.all());
    }

    private static DynamicCustomOp gather(INDArray source, INDArray indices, INDArray out) {
        Gather op = new Gather(source, indices, 0);
        op.addOutputArgument(out);
        return op;
    }

    /** ref[indices[i]] += updates[i], in place, serialised so repeated indices all accumulate. */
    private static DynamicCustomOp scatterAdd(INDArray ref, INDArray indices, INDArray updates) {
        ScatterAdd op = new ScatterAdd(ref, indices, updates);
        op.addBArgument(true);
        op.addOutputArgument(ref);
        return op;
    }
}
