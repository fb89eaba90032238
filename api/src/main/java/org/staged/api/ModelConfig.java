package org.staged.api;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shape of a GPT-2 (pre-LN) model, validated on construction.
 *
 * <p>Parameter names follow GPT-2/Hugging Face conventions so checkpoints map by name
 * ({@code h.3.attn.q.weight}); q, k and v are separate matrices so the width operator can make
 * each block-diagonal on its own (paper §3.1). Linear weights are stored {@code [in, out]}.
 *
 * @param vocabSize      tokens in the vocabulary
 * @param contextLength  maximum sequence length (rows of the position embedding)
 * @param dModel         hidden size
 * @param nLayer         number of transformer blocks
 * @param nHead          attention heads; {@code dModel / nHead} is the head size
 * @param dFf            hidden size of the MLP (4·dModel in GPT-2)
 * @param tiedHead       whether the LM head reuses the token embedding
 * @param layerNormEps   epsilon inside every LayerNorm
 */
public record ModelConfig(int vocabSize, int contextLength, int dModel, int nLayer, int nHead, int dFf,
                          boolean tiedHead, double layerNormEps) {

    /** GPT-2's LayerNorm epsilon. */
    public static final double DEFAULT_EPS = 1e-5;
    /** Names accepted by {@link #preset(String)}. */
    public static final List<String> PRESETS = List.of("micro", "tiny", "small", "gpt2-base", "gpt2-large");

    /** Validates every field and names the offending one. */
    public ModelConfig {
        require(vocabSize >= 2, "vocabSize must be >= 2, found " + vocabSize);
        require(contextLength >= 1, "contextLength must be >= 1, found " + contextLength);
        require(dModel >= 1, "dModel must be >= 1, found " + dModel);
        require(nLayer >= 1, "nLayer must be >= 1, found " + nLayer);
        require(nHead >= 1, "nHead must be >= 1, found " + nHead);
        require(dModel % nHead == 0, "dModel (" + dModel + ") must be divisible by nHead (" + nHead + ")");
        require(dFf >= 1, "dFf must be >= 1, found " + dFf);
        require(layerNormEps > 0 && Double.isFinite(layerNormEps), "layerNormEps must be > 0, found " + layerNormEps);
    }

    /**
     * A named preset: {@code micro} (tests), {@code tiny} and {@code small} (CPU), {@code gpt2-base} and
     * {@code gpt2-large} as the paper uses them (Appendix B).
     *
     * @param name one of {@link #PRESETS}
     * @return the preset
     * @throws IllegalArgumentException naming the known presets when {@code name} is unknown
     */
    public static ModelConfig preset(String name) {
        return switch (name) {
            case "micro" -> new ModelConfig(17, 8, 8, 2, 2, 32, true, DEFAULT_EPS);
            case "tiny" -> new ModelConfig(256, 128, 128, 4, 4, 512, true, DEFAULT_EPS);
            case "small" -> new ModelConfig(8192, 256, 256, 6, 8, 1024, true, DEFAULT_EPS);
            case "gpt2-base" -> new ModelConfig(50257, 1024, 768, 12, 12, 3072, true, DEFAULT_EPS);
            case "gpt2-large" -> new ModelConfig(50257, 1024, 1536, 24, 16, 6144, true, DEFAULT_EPS);
            default -> throw new IllegalArgumentException("unknown model preset '" + name + "'; known: " + PRESETS);
        };
    }

    /** @return the size of one attention head */
    public int headSize() {
        return dModel / nHead;
    }

    /** @return a copy with another vocabulary size (e.g. the trained tokenizer's) */
    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(v, contextLength, dModel, nLayer, nHead, dFf, tiedHead, layerNormEps);
    }

    /** @return a copy with another context length */
    public ModelConfig withContextLength(int t) {
        return new ModelConfig(vocabSize, t, dModel, nLayer, nHead, dFf, tiedHead, layerNormEps);
    }

    /**
     * Overrides of a preset's shape, as the command line and presets give them; null keeps the value. d_ff
     * follows as 4·d_model when the width changes.
     *
     * @param d       hidden size, or null
     * @param heads   attention heads, or null
     * @param layers  blocks, or null
     * @param context context length, or null
     * @return the overridden shape
     */
    public ModelConfig overridden(Integer d, Integer heads, Integer layers, Integer context) {
        ModelConfig w = d == null && heads == null ? this
                : withWidth(d != null ? d : dModel, heads != null ? heads : nHead, 4 * (d != null ? d : dModel));
        ModelConfig l = layers == null ? w : w.withLayers(layers);
        return context == null ? l : l.withContextLength(context);
    }

    /** @return a copy with the LM head tied or untied */
    public ModelConfig withTiedHead(boolean tied) {
        return new ModelConfig(vocabSize, contextLength, dModel, nLayer, nHead, dFf, tied, layerNormEps);
    }

    /** @return a copy with another width, head count and MLP size */
    public ModelConfig withWidth(int d, int heads, int ff) {
        return new ModelConfig(vocabSize, contextLength, d, nLayer, heads, ff, tiedHead, layerNormEps);
    }

    /** @return a copy with another number of layers */
    public ModelConfig withLayers(int layers) {
        return new ModelConfig(vocabSize, contextLength, dModel, layers, nHead, dFf, tiedHead, layerNormEps);
    }

    /**
     * Every parameter of the model, in a stable order: embeddings, blocks {@code h.0 … h.(L-1)}, final
     * LayerNorm, and the LM head when untied.
     *
     * @return name → shape
     */
    public Map<String, long[]> parameterShapes() {
        Map<String, long[]> s = new LinkedHashMap<>();
        long d = dModel;
        s.put("wte.weight", new long[] {vocabSize, d});
        s.put("wpe.weight", new long[] {contextLength, d});
        for (int i = 0; i < nLayer; i++) {
            String h = "h." + i + ".";
            s.put(h + "ln_1.weight", new long[] {d});
            s.put(h + "ln_1.bias", new long[] {d});
            for (String p : new String[] {"q", "k", "v", "c_proj"}) {
                s.put(h + "attn." + p + ".weight", new long[] {d, d});
                s.put(h + "attn." + p + ".bias", new long[] {d});
            }
            s.put(h + "ln_2.weight", new long[] {d});
            s.put(h + "ln_2.bias", new long[] {d});
            s.put(h + "mlp.c_fc.weight", new long[] {d, dFf});
            s.put(h + "mlp.c_fc.bias", new long[] {dFf});
            s.put(h + "mlp.c_proj.weight", new long[] {dFf, d});
            s.put(h + "mlp.c_proj.bias", new long[] {d});
        }
        s.put("ln_f.weight", new long[] {d});
        s.put("ln_f.bias", new long[] {d});
        if (!tiedHead) {
            s.put("lm_head.weight", new long[] {d, vocabSize});
        }
        return s;
    }

    /** @return all parameters, embeddings and head included */
    public long totalParams() {
        return parameterShapes().values().stream().mapToLong(sh -> Arrays.stream(sh).reduce(1, (a, b) -> a * b)).sum();
    }

    /** @return non-embedding parameters N as Kaplan et al. (2020) count them: blocks and final LayerNorm */
    public long nonEmbeddingParams() {
        long d = dModel;
        long perLayer = 4 * d * d + 4 * d + 2 * d * dFf + dFf + d + 4 * d;
        return nLayer * perLayer + 2 * d;
    }

    /**
     * Training FLOPs per token at sequence length {@code t}: {@code 6·N + 12·L·t·d}, with N the non-embedding
     * parameters plus the LM head (d·V). 6·N covers the forward (2N) and backward (4N) matmuls; 12·L·t·d the
     * attention scores QKᵀ and the weighted sum AV (2·t·d each per layer forward, ×3 with backward), as in
     * PaLM (Chowdhery et al. 2022, Appendix B). Embedding lookups, LayerNorm and softmax are left out.
     *
     * @param t sequence length
     * @return FLOPs to train on one token
     */
    public double trainingFlopsPerToken(int t) {
        double n = nonEmbeddingParams() + (double) dModel * vocabSize;
        return 6 * n + 12.0 * nLayer * t * dModel;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("ModelConfig: " + message);
        }
    }
}
