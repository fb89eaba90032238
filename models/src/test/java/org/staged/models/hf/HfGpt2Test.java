package org.staged.models.hf;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.models.Gpt;
import org.staged.models.GptInit;
import org.staged.models.train.CheckpointException;
import org.staged.models.train.Safetensors;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class HfGpt2Test {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelConfig MICRO = new ModelConfig(17, 8, 8, 2, 2, 24, true, 1e-5);
    private static final LrSchedule SCHEDULE = LrSchedule.cosine(1e-3, 10, 100);

    /** config.json as GPT2Config.to_dict writes it for {@code c}. */
    private static ObjectNode hfConfig(ModelConfig c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("_name_or_path", "gpt2");
        n.put("activation_function", "gelu_new");
        n.putArray("architectures").add("GPT2LMHeadModel");
        n.put("attn_pdrop", 0.1);
        n.put("bos_token_id", 16);
        n.put("embd_pdrop", 0.1);
        n.put("eos_token_id", 16);
        n.put("initializer_range", 0.02);
        n.put("layer_norm_epsilon", c.layerNormEps());
        n.put("model_type", "gpt2");
        n.put("n_ctx", c.contextLength());
        n.put("n_embd", c.dModel());
        n.put("n_head", c.nHead());
        n.put("n_inner", c.dFf() == 4 * c.dModel() ? null : c.dFf());
        n.put("n_layer", c.nLayer());
        n.put("n_positions", c.contextLength());
        n.put("reorder_and_upcast_attn", false);
        n.put("resid_pdrop", 0.1);
        n.put("scale_attn_by_inverse_layer_idx", false);
        n.put("scale_attn_weights", true);
        n.put("summary_activation", (String) null);
        n.put("summary_first_dropout", 0.1);
        n.put("summary_proj_to_labels", true);
        n.put("summary_type", "cls_index");
        n.put("summary_use_proj", true);
        n.putObject("task_specific_params").putObject("text-generation").put("do_sample", true);
        n.put("torch_dtype", "float32");
        n.put("transformers_version", "4.46.0");
        n.put("use_cache", true);
        n.put("vocab_size", c.vocabSize());
        if (!c.tiedHead()) {
            n.put("tie_word_embeddings", false);
        }
        return n;
    }

    /** Hugging Face tensors of {@code c} with distinct known values: tensor i holds i·1000 + 0, 1, 2, ... */
    private static Map<String, INDArray> hfTensors(ModelConfig c, boolean prefix, boolean legacyBuffers) {
        String t = prefix ? "transformer." : "";
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long d = c.dModel();
        shapes.put(t + "wte.weight", new long[] {c.vocabSize(), d});
        shapes.put(t + "wpe.weight", new long[] {c.contextLength(), d});
        for (int i = 0; i < c.nLayer(); i++) {
            String h = t + "h." + i + ".";
            shapes.put(h + "ln_1.weight", new long[] {d});
            shapes.put(h + "ln_1.bias", new long[] {d});
            shapes.put(h + "attn.c_attn.weight", new long[] {d, 3 * d});
            shapes.put(h + "attn.c_attn.bias", new long[] {3 * d});
            shapes.put(h + "attn.c_proj.weight", new long[] {d, d});
            shapes.put(h + "attn.c_proj.bias", new long[] {d});
            shapes.put(h + "ln_2.weight", new long[] {d});
            shapes.put(h + "ln_2.bias", new long[] {d});
            shapes.put(h + "mlp.c_fc.weight", new long[] {d, c.dFf()});
            shapes.put(h + "mlp.c_fc.bias", new long[] {c.dFf()});
            shapes.put(h + "mlp.c_proj.weight", new long[] {c.dFf(), d});
            shapes.put(h + "mlp.c_proj.bias", new long[] {d});
            if (legacyBuffers) {
                shapes.put(h + "attn.bias", new long[] {1, 1, c.contextLength(), c.contextLength()});
                shapes.put(h + "attn.masked_bias", new long[] {});
            }
        }
        shapes.put(t + "ln_f.weight", new long[] {d});
        shapes.put(t + "ln_f.bias", new long[] {d});
        if (!c.tiedHead()) {
            shapes.put("lm_head.weight", new long[] {c.vocabSize(), d});
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            out.put(e.getKey(), Nd4j.arange(n).castTo(DataType.FLOAT).addi(1000f * i++).reshape(e.getValue()).dup('c'));
        }
        return out;
    }

    private static Path hfFolder(ModelConfig c, Map<String, INDArray> tensors, ObjectNode config) throws IOException {
        Path dir = Files.createTempDirectory("hf");
        Files.writeString(dir.resolve(HfGpt2.CONFIG), config.toString());
        Safetensors.write(dir.resolve(HfGpt2.WEIGHTS), tensors, Map.of("format", "pt"));
        return dir;
    }

    @DataProvider
    public Object[][] layouts() {
        return new Object[][] {{true, true, true}, {false, false, true}, {true, false, false}, {false, true, false}};
    }

    @Test(dataProvider = "layouts")
    public void importSplitsFusedAttentionElementByElement(boolean prefix, boolean legacy, boolean tied)
            throws IOException {
        ModelConfig c = MICRO.withTiedHead(tied);
        Map<String, INDArray> hf = hfTensors(c, prefix, legacy);
        Path dir = hfFolder(c, hf, hfConfig(c));
        HfGpt2.Imported imp = HfGpt2.load(dir, SCHEDULE);
        TrainingState s = imp.state();
        assertEquals(s.config(), c);
        assertFalse(imp.withOptimizer());
        assertEquals(s.step(), 0);
        assertEquals(s.scheduleStep(), 0);
        assertEquals(s.schedule(), SCHEDULE);
        assertTrue(imp.warnings().isEmpty(), imp.warnings().toString());
        String t = prefix ? "transformer." : "";
        int d = c.dModel();
        for (int layer = 0; layer < c.nLayer(); layer++) {
            INDArray w = hf.get(t + "h." + layer + ".attn.c_attn.weight");
            INDArray b = hf.get(t + "h." + layer + ".attn.c_attn.bias");
            for (int part = 0; part < 3; part++) {
                INDArray q = s.params().get("h." + layer + ".attn." + "qkv".charAt(part) + ".weight");
                INDArray qb = s.params().get("h." + layer + ".attn." + "qkv".charAt(part) + ".bias");
                for (int r = 0; r < d; r++) {
                    assertEquals(qb.getFloat(r), b.getFloat(part * d + r));
                    for (int col = 0; col < d; col++) {
                        assertEquals(q.getFloat(r, col), w.getFloat(r, part * d + col), "layer " + layer + " part "
                                + part + " at " + r + "," + col);
                    }
                }
            }
            assertEquals(s.params().get("h." + layer + ".mlp.c_fc.weight"), hf.get(t + "h." + layer + ".mlp.c_fc.weight"));
            assertEquals(s.params().get("h." + layer + ".attn.c_proj.weight"),
                    hf.get(t + "h." + layer + ".attn.c_proj.weight"));
            assertEquals(s.params().get("h." + layer + ".ln_2.bias"), hf.get(t + "h." + layer + ".ln_2.bias"));
        }
        assertEquals(s.params().get("wte.weight"), hf.get(t + "wte.weight"));
        assertEquals(s.params().get("wpe.weight"), hf.get(t + "wpe.weight"));
        assertEquals(s.params().get("ln_f.weight"), hf.get(t + "ln_f.weight"));
        if (!tied) {
            INDArray head = s.params().get("lm_head.weight");   // [d, V] here, [V, d] there
            for (int v = 0; v < c.vocabSize(); v++) {
                for (int col = 0; col < d; col++) {
                    assertEquals(head.getFloat(col, v), hf.get("lm_head.weight").getFloat(v, col));
                }
            }
        }
        for (INDArray m : s.adamM().values()) {
            assertEquals(m.sumNumber().doubleValue(), 0.0);
        }
    }

    @Test
    public void shardedCheckpointLoadsLikeOneFile() throws IOException {
        Map<String, INDArray> hf = hfTensors(MICRO, true, false);
        Path one = hfFolder(MICRO, hf, hfConfig(MICRO));
        Path dir = Files.createTempDirectory("hf-sharded");
        Files.writeString(dir.resolve(HfGpt2.CONFIG), hfConfig(MICRO).toString());
        Map<String, INDArray> a = new LinkedHashMap<>();
        Map<String, INDArray> b = new LinkedHashMap<>();
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        int i = 0;
        for (Map.Entry<String, INDArray> e : hf.entrySet()) {
            boolean first = i++ % 2 == 0;
            (first ? a : b).put(e.getKey(), e.getValue());
            map.put(e.getKey(), first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"), a, Map.of("format", "pt"));
        Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), b, Map.of("format", "pt"));
        Files.writeString(dir.resolve(HfGpt2.INDEX), index.toString());
        TrainingState sharded = HfGpt2.load(dir, SCHEDULE).state();
        TrainingState single = HfGpt2.load(one, SCHEDULE).state();
        for (String k : single.params().keySet()) {
            assertEquals(sharded.params().get(k), single.params().get(k), k);
        }
    }

    @Test
    public void exportThenImportIsBitIdenticalWithLogits() throws IOException {
        for (boolean tied : new boolean[] {true, false}) {
            for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                ModelConfig c = MICRO.withTiedHead(tied);
                TrainingState s = randomState(c, dt);
                Path dir = Files.createTempDirectory("hf-export");
                HfGpt2.save(dir, s, new HfGpt2.Export(new HfGpt2.Dropouts(0.1, 0.2, 0.3), 16, true));
                HfGpt2.Imported back = HfGpt2.load(dir, LrSchedule.cosine(9, 0, 1));
                assertTrue(back.withOptimizer());
                assertEquals(back.dropouts(), new HfGpt2.Dropouts(0.1, 0.2, 0.3));
                TrainingState r = back.state();
                assertEquals(r.config(), c);
                assertEquals(r.step(), s.step());
                assertEquals(r.scheduleStep(), s.scheduleStep());
                assertEquals(r.schedule(), s.schedule());
                for (String k : s.params().keySet()) {
                    assertEquals(r.params().get(k), s.params().get(k), k);
                    assertEquals(r.adamM().get(k), s.adamM().get(k), k);
                    assertEquals(r.adamV().get(k), s.adamV().get(k), k);
                }
                INDArray idx = tokens(c, 3);
                INDArray targets = tokens(c, 4);
                double[] original = new Gpt(c, s.params()).targetLogProbs(idx, targets);
                double[] imported = new Gpt(c, r.params()).targetLogProbs(idx, targets);
                assertEquals(imported, original);

                // without the moments file the import starts Adam afresh
                Files.delete(dir.resolve(HfGpt2.OPTIMIZER));
                TrainingState fresh = HfGpt2.load(dir, SCHEDULE).state();
                assertEquals(fresh.step(), 0);
                assertEquals(fresh.schedule(), SCHEDULE);
            }
        }
    }

    /**
     * The exported folder read as {@code transformers}' GPT2LMHeadModel reads it: by its names, Conv1D
     * {@code x·W + b}, fused {@code c_attn} split into heads, the head tied to {@code wte} or an
     * {@code nn.Linear} {@code x·Wᵀ}. An independent forward pass in double precision must give the model's
     * log-probabilities.
     */
    @Test
    public void exportedLayoutComputesTheModelAsTransformersReadsIt() throws IOException {
        for (boolean tied : new boolean[] {true, false}) {
            ModelConfig c = MICRO.withTiedHead(tied);
            TrainingState s = randomState(c, DataType.DOUBLE);
            Path dir = Files.createTempDirectory("hf-layout");
            HfGpt2.save(dir, s, new HfGpt2.Export(HfGpt2.Dropouts.GPT2, null, false));
            var cfg = JSON.readTree(dir.resolve(HfGpt2.CONFIG).toFile());
            assertEquals(cfg.get("model_type").asText(), "gpt2");
            assertEquals(cfg.get("activation_function").asText(), "gelu_new");
            assertEquals(cfg.get("tie_word_embeddings").asBoolean(), tied);
            assertTrue(cfg.get("eos_token_id").isNull());
            assertFalse(Files.exists(dir.resolve(HfGpt2.OPTIMIZER)));
            Map<String, INDArray> w = new LinkedHashMap<>();
            try (Safetensors f = Safetensors.open(dir.resolve(HfGpt2.WEIGHTS))) {
                assertEquals(f.metadata().get("format"), "pt");
                assertEquals(f.entries().containsKey("lm_head.weight"), !tied);
                f.entries().keySet().forEach(k -> w.put(k, f.read(k)));
            }
            INDArray idx = tokens(c, 5);
            INDArray targets = tokens(c, 6);
            double[] ours = new Gpt(c, s.params()).targetLogProbs(idx, targets);
            int t = c.contextLength();
            for (int row = 0; row < idx.rows(); row++) {
                INDArray logits = referenceLogits(w, cfg, idx.getRow(row).toIntVector());
                INDArray logp = Transforms.log(Transforms.softmax(logits, true), false);
                for (int p = 0; p < t; p++) {
                    assertEquals(logp.getDouble(p, targets.getInt(row, p)), ours[row * t + p], 1e-9,
                            "row " + row + " position " + p + " tied " + tied);
                }
            }
        }
    }

    /** GPT-2 as modeling_gpt2.py computes it, one sequence, in double precision. */
    private static INDArray referenceLogits(Map<String, INDArray> w, com.fasterxml.jackson.databind.JsonNode cfg,
                                            int[] ids) {
        int d = cfg.get("n_embd").asInt();
        int heads = cfg.get("n_head").asInt();
        int hs = d / heads;
        double eps = cfg.get("layer_norm_epsilon").asDouble();
        int t = ids.length;
        INDArray wte = w.get("transformer.wte.weight");
        INDArray h = Nd4j.create(DataType.DOUBLE, t, d);
        for (int p = 0; p < t; p++) {
            h.putRow(p, wte.getRow(ids[p]).add(w.get("transformer.wpe.weight").getRow(p)));
        }
        for (int layer = 0; layer < cfg.get("n_layer").asInt(); layer++) {
            String b = "transformer.h." + layer + ".";
            INDArray qkv = conv1d(w, b + "attn.c_attn", layerNorm(h, w, b + "ln_1", eps));   // [t, 3d]
            INDArray y = Nd4j.create(DataType.DOUBLE, t, d);
            for (int head = 0; head < heads; head++) {
                INDArray q = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(head * hs, (head + 1) * hs));
                INDArray k = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(d + head * hs, d + (head + 1) * hs));
                INDArray v = qkv.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * d + head * hs, 2 * d + (head + 1) * hs));
                INDArray att = q.mmul(k.transpose()).divi(Math.sqrt(hs));
                for (int i = 0; i < t; i++) {
                    for (int j = i + 1; j < t; j++) {
                        att.putScalar(i, j, Double.NEGATIVE_INFINITY);
                    }
                }
                INDArray probs = Transforms.softmax(att, true);
                y.get(NDArrayIndex.all(), NDArrayIndex.interval(head * hs, (head + 1) * hs)).assign(probs.mmul(v));
            }
            h = h.add(conv1d(w, b + "attn.c_proj", y));
            INDArray fc = conv1d(w, b + "mlp.c_fc", layerNorm(h, w, b + "ln_2", eps));
            INDArray inner = fc.add(fc.mul(fc).mul(fc).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
            INDArray gelu = fc.mul(Transforms.tanh(inner, true).add(1.0)).mul(0.5);   // gelu_new
            h = h.add(conv1d(w, b + "mlp.c_proj", gelu));
        }
        INDArray x = layerNorm(h, w, "transformer.ln_f", eps);
        INDArray head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : wte;   // nn.Linear: [V, d]
        return x.mmul(head.transpose());
    }

    private static INDArray conv1d(Map<String, INDArray> w, String name, INDArray x) {
        return x.mmul(w.get(name + ".weight")).addiRowVector(w.get(name + ".bias"));
    }

    private static INDArray layerNorm(INDArray x, Map<String, INDArray> w, String name, double eps) {
        INDArray mean = x.mean(true, 1);
        INDArray centered = x.subColumnVector(mean);
        INDArray var = centered.mul(centered).mean(true, 1);
        return centered.divColumnVector(Transforms.sqrt(var.add(eps), false))
                .mulRowVector(w.get(name + ".weight")).addiRowVector(w.get(name + ".bias"));
    }

    @Test
    public void unsupportedInputsAreRefusedByName() throws IOException {
        Map<String, INDArray> hf = hfTensors(MICRO, true, false);
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"activation_function", "gelu"});
        cases.add(new String[] {"scale_attn_by_inverse_layer_idx", "true"});
        cases.add(new String[] {"reorder_and_upcast_attn", "true"});
        cases.add(new String[] {"add_cross_attention", "true"});
        cases.add(new String[] {"scale_attn_weights", "false"});
        cases.add(new String[] {"model_type", "gpt_neox"});
        for (String[] c : cases) {
            ObjectNode cfg = hfConfig(MICRO);
            if (c[1].equals("true") || c[1].equals("false")) {
                cfg.put(c[0], Boolean.parseBoolean(c[1]));
            } else {
                cfg.put(c[0], c[1]);
            }
            Path dir = hfFolder(MICRO, hf, cfg);
            CheckpointException e = expectThrows(CheckpointException.class, () -> HfGpt2.load(dir, SCHEDULE));
            assertTrue(e.getMessage().contains(c[0]) && e.getMessage().contains(HfGpt2.CONFIG), e.getMessage());
        }
        ObjectNode pruned = hfConfig(MICRO);
        pruned.putObject("pruned_heads").putArray("0").add(1);
        Path p = hfFolder(MICRO, hf, pruned);
        assertTrue(expectThrows(CheckpointException.class, () -> HfGpt2.load(p, SCHEDULE)).getMessage()
                .contains("pruned_heads"));

        ObjectNode unknown = hfConfig(MICRO);
        unknown.put("rotary_dim", 4);
        assertTrue(HfGpt2.load(hfFolder(MICRO, hf, unknown), SCHEDULE).warnings().get(0).contains("rotary_dim"));

        Map<String, INDArray> extra = new LinkedHashMap<>(hf);
        extra.put("multiple_choice_head.summary.weight", Nd4j.zeros(DataType.FLOAT, 1, 8));
        Path e1 = hfFolder(MICRO, extra, hfConfig(MICRO));
        assertTrue(expectThrows(CheckpointException.class, () -> HfGpt2.load(e1, SCHEDULE)).getMessage()
                .contains("multiple_choice_head.summary.weight"));

        Map<String, INDArray> missing = new LinkedHashMap<>(hf);
        missing.remove("transformer.h.1.mlp.c_fc.bias");
        Path e2 = hfFolder(MICRO, missing, hfConfig(MICRO));
        assertTrue(expectThrows(CheckpointException.class, () -> HfGpt2.load(e2, SCHEDULE)).getMessage()
                .contains("transformer.h.1.mlp.c_fc.bias"));

        ObjectNode wide = hfConfig(MICRO);
        wide.put("n_inner", 40);
        Path e3 = hfFolder(MICRO, hf, wide);
        String shape = expectThrows(CheckpointException.class, () -> HfGpt2.load(e3, SCHEDULE)).getMessage();
        assertTrue(shape.contains("mlp.c_fc") && shape.contains("40"), shape);

        ObjectNode untied = hfConfig(MICRO);
        untied.put("tie_word_embeddings", false);
        Path e4 = hfFolder(MICRO, hf, untied);
        assertTrue(expectThrows(CheckpointException.class, () -> HfGpt2.load(e4, SCHEDULE)).getMessage()
                .contains("lm_head.weight"));

        Path pickle = Files.createTempDirectory("hf-pickle");
        Files.writeString(pickle.resolve(HfGpt2.CONFIG), hfConfig(MICRO).toString());
        Files.write(pickle.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        String msg = expectThrows(CheckpointException.class, () -> HfGpt2.load(pickle, SCHEDULE)).getMessage();
        assertTrue(msg.contains("pytorch_model.bin") && msg.contains("safe_serialization=True"), msg);

        Path none = Files.createTempDirectory("hf-empty");
        assertTrue(expectThrows(CheckpointException.class, () -> HfGpt2.load(none, SCHEDULE)).getMessage()
                .contains(HfGpt2.CONFIG));
    }

    @Test
    public void prefixMarksAFolder() {
        assertEquals(HfGpt2.folder(Path.of("hf:models/gpt2")), Path.of("models/gpt2"));
        assertEquals(HfGpt2.folder(Path.of("run/checkpoint.safetensors")), null);
    }

    private static TrainingState randomState(ModelConfig c, DataType dt) {
        SplittableRandom rng = new SplittableRandom(11);
        Map<String, INDArray> p = TrainingState.map(GptInit.init(c, 5, dt), a -> GptInit.gaussian(a.shape(), 0.3, rng, dt));
        Map<String, INDArray> m = TrainingState.map(p, a -> GptInit.gaussian(a.shape(), 1, rng, dt));
        Map<String, INDArray> v = TrainingState.map(p, a -> Transforms.abs(GptInit.gaussian(a.shape(), 1, rng, dt)));
        return new TrainingState(c, p, m, v, 23, SCHEDULE, 19);
    }

    private static INDArray tokens(ModelConfig c, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        INDArray t = Nd4j.create(DataType.INT, 2, c.contextLength());
        for (int i = 0; i < t.length(); i++) {
            t.putScalar(i, rng.nextInt(c.vocabSize()));
        }
        return t;
    }
}
