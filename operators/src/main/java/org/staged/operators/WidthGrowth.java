package org.staged.operators;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthClaims;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.ScheduleContinuation;
import org.staged.models.GptInit;

/**
 * The paper's width operator (§3.1, §3.3): doubles d_model, the heads (head size unchanged) and d_ff,
 * about 4× the parameters.
 *
 * <ul>
 *   <li>embeddings, LayerNorms and biases are duplicated, [w, w];</li>
 *   <li>every matrix, q, k and v each on its own, becomes [[W, 0], [0, W]], so the new heads are copies;</li>
 *   <li>the final LayerNorm's γ and β are halved, so the tied head (or the untied head, duplicated by
 *       rows) produces unchanged logits from the doubled hidden state.</li>
 * </ul>
 * Adam moments follow the gradients of the grown model (Eq. 5–6): duplicated entries see half the
 * gradient, so m/2 and v/4; the final LayerNorm sees the same gradient, so its moments are copied unscaled.
 * The step counter is kept.
 *
 * <p>Options (the paper's recipe is the default):
 * <ul>
 *   <li>{@code moments=zero|matched}. Every matrix's input is a duplicated vector [y, y], so the gradient of
 *       an off-diagonal block is yᵀ·δ/2, the same ½g as a diagonal block. The paper (and the authors' code)
 *       give those blocks m = v = 0, so Eq. 5–6 hold on the derived entries only; {@code matched} gives
 *       them ½m, ¼v and Eq. 5–6 hold on every entry.</li>
 *   <li>{@code split=α} and {@code noise=σ} break the symmetry between the two halves without changing the
 *       function. Because both input halves carry the same y, output half j is y·(B₀ⱼ + B₁ⱼ) for the blocks
 *       B₀ⱼ, B₁ⱼ above each other, so any blocks whose column sum is W compute the same thing. {@code split}
 *       makes the first input half's outgoing weights α·W and the second's (1 − α)·W, towards both output
 *       halves; {@code noise} moves a Gaussian N (σ times the matrix's RMS) from the upper to the lower block
 *       of each output half, B₀ⱼ − N, B₁ⱼ + N. Either way the two input halves receive different gradients
 *       (α vs 1 − α of it, or W ± (N₀ − N₁)), so their writers stop receiving equal updates. Eq. 5–6 then
 *       hold only approximately, which the conformance kit measures.</li>
 * </ul>
 *
 * <p>Without such a variant (or dropout, which the presets train with) the grown state is symmetric under
 * swapping its two halves, and so are its gradients: both halves receive identical updates and the grown
 * model keeps computing a function of the original width.
 */
public class WidthGrowth implements GrowthOperator {
    /** Adam moments of the off-diagonal blocks. */
    public enum Moments {
        /** m = v = 0, as the paper and the authors' code. */
        ZERO,
        /** ½m, ¼v, as their gradient (½g) asks. */
        MATCHED
    }

    private final Moments moments;
    private final double split;   // share of the outgoing weights the first input half keeps; 1 = the paper's
    private final double noise;   // σ relative to each matrix's RMS; 0 = none

    /** The paper's recipe; for ServiceLoader. */
    public WidthGrowth() {
        this(Moments.ZERO, 1, 0);
    }

    /**
     * @param moments moments of the off-diagonal blocks
     * @param split   α in (0, 1), or 1 for the paper's block-diagonal matrices
     * @param noise   σ ≥ 0, relative to each matrix's RMS
     */
    public WidthGrowth(Moments moments, double split, double noise) {
        if (!(split > 0 && split <= 1)) {
            throw new IllegalArgumentException("width: split must be in (0, 1), found " + split);
        }
        if (!(noise >= 0) || !Double.isFinite(noise)) {
            throw new IllegalArgumentException("width: noise must be >= 0, found " + noise);
        }
        this.moments = moments;
        this.split = split;
        this.noise = noise;
    }

    @Override
    public String name() {
        StringBuilder o = new StringBuilder();
        if (moments != Moments.ZERO) {
            o.append(", moments=").append(moments.name().toLowerCase(Locale.ROOT));
        }
        if (split != 1) {
            o.append(", split=").append(split);
        }
        if (noise != 0) {
            o.append(", noise=").append(noise);
        }
        return o.length() == 0 ? "width" : "width(" + o.substring(2) + ")";
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("moments", "zero (the paper's: m = v = 0 on the off-diagonal blocks) or matched (1/2 m, 1/4 v there, "
                + "Eq. 5-6 on every entry); default zero");
        o.put("split", "alpha in (0, 1): the first half's outgoing weights alpha W, the second's (1 - alpha) W; "
                + "function-preserving symmetry breaking; default none");
        o.put("noise", "sigma >= 0: Gaussian noise (sigma x the matrix's RMS) moved between the blocks of each "
                + "output half; function-preserving symmetry breaking; default 0");
        return o;
    }

    @Override
    public GrowthOperator withOptions(Map<String, String> options) {
        Moments m = moments;
        double a = split;
        double s = noise;
        for (Map.Entry<String, String> e : options.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "moments" -> m = switch (v) {
                    case "zero" -> Moments.ZERO;
                    case "matched" -> Moments.MATCHED;
                    default -> throw new IllegalArgumentException("width: moments=" + v + ": expected zero or matched");
                };
                case "split" -> {
                    a = number("split", v);
                    if (!(a > 0 && a < 1)) {
                        throw new IllegalArgumentException("width: split=" + v + ": expected a number in (0, 1)");
                    }
                }
                case "noise" -> s = number("noise", v);
                default -> throw new IllegalArgumentException("width: unknown option '" + e.getKey() + "'; known: "
                        + String.join(", ", options().keySet()));
            }
        }
        return new WidthGrowth(m, a, s);
    }

    private static double number(String key, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("width: " + key + "=" + v + ": not a number", e);
        }
    }

    @Override
    public GrowthClaims claims() {
        boolean symmetric = split == 1 && noise == 0;
        String what = "x2 hidden size and heads; block-diagonal matrices, duplicated vectors, halved final "
                + "LayerNorm; Adam m/2, v/4 (Shen et al. 2022, 3.1)";
        if (moments == Moments.MATCHED) {
            what += "; 1/2 m, 1/4 v on the off-diagonal blocks";
        }
        if (!symmetric) {
            what += "; halves made asymmetric without changing the function ("
                    + (split != 1 ? "split " + split : "") + (split != 1 && noise != 0 ? ", " : "")
                    + (noise != 0 ? "noise " + noise : "") + ")";
        }
        // with symmetry broken the halves' gradients differ, so Eq. 5-6 hold only approximately
        return new GrowthClaims(what, true, symmetric,
                moments == Moments.MATCHED ? GrowthClaims.Entries.ALL : GrowthClaims.Entries.DERIVED,
                ScheduleContinuation.GROWTH_TARGET);
    }

    @Override
    public ModelConfig grownConfig(ModelConfig c) {
        return c.withWidth(2 * c.dModel(), 2 * c.nHead(), 2 * c.dFf());
    }

    @Override
    public TrainingState apply(TrainingState s) {
        double off = moments == Moments.MATCHED ? 1 : 0;
        Map<String, INDArray> p = new LinkedHashMap<>();
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        for (String name : s.params().keySet()) {
            INDArray theta = s.params().get(name);
            INDArray m0 = s.adamM().get(name);
            INDArray v0 = s.adamV().get(name);
            if (name.startsWith("ln_f.")) {
                p.put(name, Tensors.duplicate(theta, 0.5));         // halved: logits unchanged
                m.put(name, Tensors.duplicate(m0, 1));              // same gradient as before: unscaled
                v.put(name, Tensors.duplicate(v0, 1));
            } else if (isMatrix(name, theta)) {
                p.put(name, matrix(name, theta));
                m.put(name, Tensors.blocks(m0, 0.5, 0.5 * off, 0.5 * off, 0.5));
                v.put(name, Tensors.blocks(v0, 0.25, 0.25 * off, 0.25 * off, 0.25));
            } else {
                p.put(name, vector(name, theta, 1));
                m.put(name, vector(name, m0, 0.5));
                v.put(name, vector(name, v0, 0.25));
            }
        }
        return new TrainingState(grownConfig(s.config()), p, m, v, s.step(), s.schedule(), s.scheduleStep());
    }

    /** A weight matrix that reads the (duplicated) hidden state: grown into 2×2 blocks. */
    private static boolean isMatrix(String name, INDArray a) {
        return a.rank() == 2 && !name.equals("wte.weight") && !name.equals("wpe.weight")
                && !name.equals("lm_head.weight");
    }

    /** Blocks whose column sums are W: [[W, 0], [0, W]], split and noise as configured. */
    private INDArray matrix(String name, INDArray w) {
        INDArray out = split == 1 ? Tensors.blocks(w, 1, 0, 0, 1)
                : Tensors.blocks(w, split, split, 1 - split, 1 - split);
        if (noise > 0) {
            double rms = Math.sqrt(w.mul(w).meanNumber().doubleValue());
            SplittableRandom rng = new SplittableRandom(name.hashCode());   // the same noise on every call
            for (int j = 0; j < 2; j++) {
                Tensors.moveBetweenBlocks(out, j, GptInit.gaussian(w.shape(), noise * rms, rng, w.dataType()));
            }
        }
        return out;
    }

    /**
     * How far a width-grown state is from the symmetry growth gave it: ‖θ − swap(θ)‖ / ‖θ‖ over the given
     * tensors, where swap exchanges the two halves of every dimension width growth doubled (0: the halves are
     * still exact copies; {@code split} and {@code noise} start above 0).
     *
     * @param params parameters of a model grown by this operator (and trained since)
     * @return the relative asymmetry over all of them
     */
    public static double halfAsymmetry(Map<String, INDArray> params) {
        double diff = 0;
        double norm = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray t = e.getValue();
            INDArray swapped = swapHalves(e.getKey(), t);
            diff += Math.pow(t.sub(swapped).norm2Number().doubleValue(), 2);
            norm += Math.pow(t.norm2Number().doubleValue(), 2);
        }
        return Math.sqrt(diff / norm);
    }

    /** The tensor with the halves of every dimension width growth doubled exchanged. */
    static INDArray swapHalves(String name, INDArray t) {
        boolean rows = t.rank() == 1 || (t.rank() == 2 && !name.equals("wte.weight") && !name.equals("wpe.weight"));
        boolean cols = t.rank() == 2 && !name.equals("lm_head.weight");
        INDArray out = t.dup();
        if (rows) {
            out = swap(out, 0);
        }
        if (cols) {
            out = swap(out, 1);
        }
        return out;
    }

    private static INDArray swap(INDArray t, int dim) {
        long n = t.size(dim) / 2;
        INDArray out = t.dup();
        org.nd4j.linalg.indexing.INDArrayIndex[] lo = index(t.rank(), dim, 0, n);
        org.nd4j.linalg.indexing.INDArrayIndex[] hi = index(t.rank(), dim, n, 2 * n);
        out.get(lo).assign(t.get(hi));
        out.get(hi).assign(t.get(lo));
        return out;
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex[] index(int rank, int dim, long from, long to) {
        org.nd4j.linalg.indexing.INDArrayIndex[] ix = new org.nd4j.linalg.indexing.INDArrayIndex[rank];
        for (int i = 0; i < rank; i++) {
            ix[i] = i == dim ? org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)
                    : org.nd4j.linalg.indexing.NDArrayIndex.all();
        }
        return ix;
    }

    /** Embeddings duplicated by columns, an untied head by rows, vectors side by side; times {@code scale}. */
    static INDArray vector(String name, INDArray a, double scale) {
        if (name.equals("wte.weight") || name.equals("wpe.weight")) {
            return Tensors.duplicateColumns(a, scale);
        }
        if (name.equals("lm_head.weight")) {
            return Tensors.duplicateRows(a, scale);
        }
        return Tensors.duplicate(a, scale);
    }
}
