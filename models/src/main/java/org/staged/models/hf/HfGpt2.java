package org.staged.models.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.staged.api.AtomicFiles;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.models.train.CheckpointException;
import org.staged.models.train.Safetensors;

/**
 * Hugging Face {@code transformers} GPT-2 checkpoints ({@code GPT2LMHeadModel}, {@code GPT2Model}) in and out.
 *
 * <p>The suite keeps q, k and v as separate {@code [d, d]} matrices so the width operator can make each
 * block-diagonal; Hugging Face fuses them into one Conv1D {@code c_attn} of {@code [d, 3d]} (columns q | k | v).
 * Both store Conv1D weights {@code [in, out]}. The untied LM head is an {@code nn.Linear} there, {@code [V, d]},
 * and {@code [d, V]} here. The same mapping carries Adam's moments, which go to {@code optimizer.safetensors}.
 */
public final class HfGpt2 {
    /** Prefix that marks a Hugging Face folder where a checkpoint is expected: {@code hf:DIR}. */
    public static final String PREFIX = "hf:";
    /** The model's configuration file. */
    public static final String CONFIG = "config.json";
    /** The weights, when in one file. */
    public static final String WEIGHTS = "model.safetensors";
    /** The index of weights sharded over several files. */
    public static final String INDEX = "model.safetensors.index.json";
    /** Adam's moments and the schedule position, written on request so training can continue elsewhere. */
    public static final String OPTIMIZER = "optimizer.safetensors";
    /** {@code __metadata__.format} of {@link #OPTIMIZER}. */
    public static final String OPTIMIZER_FORMAT = "staged-adam-moments/1";
    private static final String T = "transformer.";
    private static final String M = "exp_avg.";
    private static final String V = "exp_avg_sq.";
    private static final Pattern LEGACY_BUFFER = Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** GPT-2 settings that must hold for the model here to compute what {@code transformers} computes. */
    private static final Map<String, Object> REQUIRED = requiredSettings();
    /** Settings of training, generation, tokenizer or bookkeeping: read where useful, never change the function. */
    private static final Set<String> HARMLESS = Set.of("n_ctx", "resid_pdrop", "embd_pdrop", "attn_pdrop",
            "initializer_range", "summary_type", "summary_use_proj", "summary_activation", "summary_proj_to_labels",
            "summary_first_dropout", "use_cache", "bos_token_id", "eos_token_id", "pad_token_id", "architectures",
            "model_type", "torch_dtype", "dtype", "transformers_version", "_name_or_path", "task_specific_params",
            "tie_word_embeddings", "n_embd", "n_layer", "n_head", "n_positions", "vocab_size", "layer_norm_epsilon",
            "n_inner", "id2label", "label2id", "return_dict", "output_hidden_states", "output_attentions",
            "torchscript", "use_bfloat16", "tf_legacy_loss", "problem_type", "tokenizer_class", "prefix",
            "sep_token_id", "decoder_start_token_id", "finetuning_task", "_attn_implementation_autoset",
            "_commit_hash", "gradient_checkpointing", "max_length", "min_length", "do_sample", "num_beams",
            "temperature", "top_k", "top_p", "repetition_penalty", "length_penalty", "early_stopping",
            "no_repeat_ngram_size", "num_return_sequences", "chunk_size_feed_forward");

    /** Why a configuration value is refused, keyed by setting. */
    private static Map<String, Object> requiredSettings() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("scale_attn_weights", true);
        r.put("scale_attn_by_inverse_layer_idx", false);
        r.put("reorder_and_upcast_attn", false);
        r.put("add_cross_attention", false);
        r.put("is_decoder", false);
        r.put("is_encoder_decoder", false);
        r.put("cross_attention_hidden_size", null);
        r.put("tie_encoder_decoder", false);
        r.put("pruned_heads", Map.of());
        return r;
    }

    /** Dropout probabilities as {@code transformers} names them; training settings, kept for the user. */
    public record Dropouts(double embd, double resid, double attn) {
        /** GPT-2's own: 0.1 everywhere. */
        public static final Dropouts GPT2 = new Dropouts(0.1, 0.1, 0.1);
    }

    /**
     * A Hugging Face folder read as a training state.
     *
     * @param state         parameters, with Adam's moments from {@link #OPTIMIZER} or zeros
     * @param withOptimizer whether the folder held {@link #OPTIMIZER}
     * @param dropouts      the configuration's dropouts
     * @param warnings      configuration keys this import does not know (listed, not refused)
     */
    public record Imported(TrainingState state, boolean withOptimizer, Dropouts dropouts, List<String> warnings) {
    }

    /**
     * What an export writes besides the weights.
     *
     * @param dropouts      the run's dropouts, for {@code config.json}
     * @param eosTokenId    the tokenizer's end-of-text id ({@code bos_token_id} and {@code eos_token_id}), or null
     * @param withOptimizer whether to write {@link #OPTIMIZER}
     */
    public record Export(Dropouts dropouts, Integer eosTokenId, boolean withOptimizer) {
    }

    private HfGpt2() {
    }

    /**
     * @param ref a checkpoint argument
     * @return the folder of {@code hf:DIR}, or null when {@code ref} is a checkpoint file of the suite's own
     */
    public static Path folder(Path ref) {
        String s = ref.toString();
        return s.startsWith(PREFIX) ? Path.of(s.substring(PREFIX.length())) : null;
    }

    /**
     * Reads {@code config.json} into a model shape.
     *
     * @param dir      a Hugging Face model folder
     * @param warnings receives keys this import does not know
     * @return the shape
     * @throws CheckpointException naming the file and key when the configuration asks for something the model here
     *                             cannot represent
     */
    public static ModelConfig readConfig(Path dir, List<String> warnings) {
        Path file = dir.resolve(CONFIG);
        JsonNode c = readJson(file);
        String type = c.path("model_type").asText("gpt2");
        if (!type.equals("gpt2")) {
            throw bad(file, "model_type is '" + type + "'; only GPT-2 (model_type gpt2) can be imported");
        }
        String act = c.path("activation_function").asText("gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
            throw bad(file, "activation_function is '" + act + "'; the model here computes GPT-2's tanh-approximated "
                    + "GELU (gelu_new) only");
        }
        for (Map.Entry<String, Object> r : REQUIRED.entrySet()) {
            JsonNode v = c.get(r.getKey());
            if (v != null && !v.isNull() && !JSON.convertValue(v, Object.class).equals(r.getValue())) {
                throw bad(file, r.getKey() + " is " + v + "; the model here cannot represent it (it needs "
                        + r.getKey() + " = " + (r.getValue() instanceof Map ? "{}" : r.getValue()) + ")");
            }
        }
        for (var it = c.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!HARMLESS.contains(k) && !REQUIRED.containsKey(k) && !k.equals("activation_function")) {
                warnings.add(file + ": key '" + k + "' is not a GPT-2 setting this import knows; ignored");
            }
        }
        int d = required(c, "n_embd", file);
        JsonNode inner = c.get("n_inner");
        int ff = inner == null || inner.isNull() ? 4 * d : inner.asInt();
        boolean tied = c.path("tie_word_embeddings").asBoolean(true);
        try {
            return new ModelConfig(required(c, "vocab_size", file), required(c, "n_positions", file), d,
                    required(c, "n_layer", file), required(c, "n_head", file), ff, tied,
                    c.path("layer_norm_epsilon").asDouble(1e-5));
        } catch (IllegalArgumentException e) {
            throw bad(file, e.getMessage());
        }
    }

    /**
     * Reads a Hugging Face GPT-2 folder as a training state: {@code config.json} and {@code model.safetensors}
     * (or shards listed in {@code model.safetensors.index.json}), with or without the {@code transformer.}
     * prefix; the legacy attention-mask buffers are skipped. Adam's moments, step and schedule come from
     * {@link #OPTIMIZER} when the folder has one; otherwise the moments are zero, the step 0 and the schedule
     * {@code schedule}.
     *
     * @param dir      the folder
     * @param schedule the schedule of a state without {@link #OPTIMIZER}
     * @return the state and what the import noticed
     * @throws CheckpointException naming the file and tensor or key for anything that cannot be imported
     */
    public static Imported load(Path dir, LrSchedule schedule) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(PREFIX + dir + ": not a folder (hf:DIR takes a folder that save_pretrained "
                    + "wrote: config.json and model.safetensors)");
        }
        List<String> warnings = new ArrayList<>();
        ModelConfig config = readConfig(dir, warnings);
        Map<Path, Safetensors> files = new LinkedHashMap<>();
        try {
            Map<String, Safetensors> where = tensorFiles(dir, files);
            boolean prefixed = where.keySet().stream().anyMatch(k -> k.startsWith(T));
            Set<String> used = new LinkedHashSet<>();
            Function<String, INDArray> get = name -> {
                String key = name.equals("lm_head.weight") || !prefixed ? name : T + name;
                Safetensors f = where.get(key);
                if (f == null) {
                    throw new CheckpointException(dir + ": no tensor " + key + " for a model of " + config.nLayer()
                            + " layers" + (name.equals("lm_head.weight") ? " with tie_word_embeddings = false" : ""));
                }
                used.add(key);
                return f.read(key);
            };
            Map<String, INDArray> params = fromHf(get, config);
            if (config.tiedHead() && where.containsKey("lm_head.weight")) {
                INDArray head = get.apply("lm_head.weight");
                if (!head.equals(params.get("wte.weight"))) {
                    throw new CheckpointException(where.get("lm_head.weight").file() + ": lm_head.weight differs from "
                            + "wte.weight but " + CONFIG + " has tie_word_embeddings = true");
                }
            }
            for (Map.Entry<String, Safetensors> e : where.entrySet()) {
                if (!used.contains(e.getKey()) && !LEGACY_BUFFER.matcher(e.getKey()).matches()) {
                    throw new CheckpointException(e.getValue().file() + ": tensor " + e.getKey() + " is not part of "
                            + "a GPT-2 language model (GPT2LMHeadModel or GPT2Model); it cannot be imported");
                }
            }
            checkShapes(params, config, dir);
            JsonNode c = readJson(dir.resolve(CONFIG));
            Dropouts drop = new Dropouts(c.path("embd_pdrop").asDouble(0.1), c.path("resid_pdrop").asDouble(0.1),
                    c.path("attn_pdrop").asDouble(0.1));
            Path opt = dir.resolve(OPTIMIZER);
            if (!Files.exists(opt)) {
                return new Imported(TrainingState.fresh(config, params, schedule), false, drop, warnings);
            }
            return new Imported(withMoments(opt, config, params), true, drop, warnings);
        } finally {
            files.values().forEach(Safetensors::close);
        }
    }

    /** Tensor name → the open file that holds it, from the single file or the shard index. */
    private static Map<String, Safetensors> tensorFiles(Path dir, Map<Path, Safetensors> open) {
        Path single = dir.resolve(WEIGHTS);
        Path index = dir.resolve(INDEX);
        Map<String, Safetensors> where = new LinkedHashMap<>();
        if (Files.exists(single)) {
            Safetensors f = open.computeIfAbsent(single, Safetensors::open);
            f.entries().keySet().forEach(k -> where.put(k, f));
            return where;
        }
        if (Files.exists(index)) {
            JsonNode map = readJson(index).get("weight_map");
            if (map == null || !map.isObject()) {
                throw bad(index, "no weight_map object");
            }
            for (var it = map.fields(); it.hasNext(); ) {
                var e = it.next();
                Path shard = dir.resolve(e.getValue().asText());
                if (!Files.exists(shard)) {
                    throw bad(index, "weight_map names " + e.getValue().asText() + " for " + e.getKey()
                            + ", which is not in " + dir);
                }
                Safetensors f = open.computeIfAbsent(shard, Safetensors::open);
                if (!f.entries().containsKey(e.getKey())) {
                    throw bad(shard, "no tensor " + e.getKey() + ", which " + INDEX + " places there");
                }
                where.put(e.getKey(), f);
            }
            return where;
        }
        for (String other : List.of("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5",
                "flax_model.msgpack")) {
            if (Files.exists(dir.resolve(other))) {
                throw new CheckpointException(dir.resolve(other) + ": only safetensors weights are read (a pickle or "
                        + "framework file can run code or needs its framework). Convert it once with transformers: "
                        + "python -c \"from transformers import GPT2LMHeadModel as M; "
                        + "M.from_pretrained('" + dir + "').save_pretrained('" + dir + "-safetensors', "
                        + "safe_serialization=True)\"");
            }
        }
        throw new CheckpointException(dir + ": neither " + WEIGHTS + " nor " + INDEX + " found");
    }

    /**
     * The suite's parameters from Hugging Face tensors: {@code c_attn} split into q, k and v, the untied head
     * transposed.
     *
     * @param hf     tensor by Hugging Face name without the {@code transformer.} prefix ({@code lm_head.weight}
     *               as is)
     * @param config the model shape
     * @return parameters by the suite's names, in {@link ModelConfig#parameterShapes()} order
     */
    public static Map<String, INDArray> fromHf(Function<String, INDArray> hf, ModelConfig config) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        long d = config.dModel();
        for (String name : config.parameterShapes().keySet()) {
            String[] parts = name.split("\\.");
            if (name.equals("lm_head.weight")) {
                out.put(name, hf.apply(name).transpose().dup('c'));
            } else if (parts.length == 5 && parts[2].equals("attn") && List.of("q", "k", "v").contains(parts[3])) {
                long at = "qkv".indexOf(parts[3]) * d;
                String fused = "h." + parts[1] + ".attn.c_attn." + parts[4];
                INDArray a = hf.apply(fused);
                out.put(name, (a.rank() == 1 ? a.get(NDArrayIndex.interval(at, at + d))
                        : a.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + d))).dup('c'));
            } else {
                out.put(name, hf.apply(name));
            }
        }
        return out;
    }

    /**
     * Hugging Face tensors from the suite's: q, k and v fused into {@code c_attn}, the untied head transposed,
     * names prefixed {@code transformer.} as {@code GPT2LMHeadModel.save_pretrained} writes them; a tied head is
     * left out, as there.
     *
     * @param ours   tensors by the suite's names (parameters, or one of Adam's moments)
     * @param config the model shape
     * @return tensors by Hugging Face name
     */
    public static Map<String, INDArray> toHf(Map<String, INDArray> ours, ModelConfig config) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : ours.entrySet()) {
            String name = e.getKey();
            String[] parts = name.split("\\.");
            if (name.equals("lm_head.weight")) {
                out.put(name, e.getValue().transpose().dup('c'));
            } else if (parts.length == 5 && parts[2].equals("attn") && List.of("q", "k", "v").contains(parts[3])) {
                if (parts[3].equals("q")) {
                    String h = "h." + parts[1] + ".attn.";
                    int axis = e.getValue().rank() - 1;
                    out.put(T + h + "c_attn." + parts[4], Nd4j.concat(axis, ours.get(h + "q." + parts[4]),
                            ours.get(h + "k." + parts[4]), ours.get(h + "v." + parts[4])).dup('c'));
                }
            } else {
                out.put(T + name, e.getValue());
            }
        }
        return out;
    }

    /**
     * Writes a state as {@code transformers} loads it: {@code config.json} and {@code model.safetensors}, plus
     * {@link #OPTIMIZER} on request.
     *
     * @param dir   an existing folder
     * @param state the state to export
     * @param opt   dropouts, end-of-text id and whether to write the moments
     */
    public static void save(Path dir, TrainingState state, Export opt) {
        ModelConfig c = state.config();
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("model_type", "gpt2");
        cfg.putArray("architectures").add("GPT2LMHeadModel");
        cfg.put("activation_function", "gelu_new");
        cfg.put("vocab_size", c.vocabSize());
        cfg.put("n_positions", c.contextLength());
        cfg.put("n_ctx", c.contextLength());
        cfg.put("n_embd", c.dModel());
        cfg.put("n_layer", c.nLayer());
        cfg.put("n_head", c.nHead());
        cfg.put("n_inner", c.dFf());
        cfg.put("layer_norm_epsilon", c.layerNormEps());
        cfg.put("tie_word_embeddings", c.tiedHead());
        cfg.put("embd_pdrop", opt.dropouts().embd());
        cfg.put("resid_pdrop", opt.dropouts().resid());
        cfg.put("attn_pdrop", opt.dropouts().attn());
        cfg.put("initializer_range", 0.02);
        cfg.put("scale_attn_weights", true);
        cfg.put("scale_attn_by_inverse_layer_idx", false);
        cfg.put("reorder_and_upcast_attn", false);
        cfg.put("use_cache", true);
        // an absent id would default to GPT-2's 50256, outside a smaller vocabulary
        if (opt.eosTokenId() == null) {
            cfg.putNull("bos_token_id");
            cfg.putNull("eos_token_id");
        } else {
            cfg.put("bos_token_id", opt.eosTokenId());
            cfg.put("eos_token_id", opt.eosTokenId());
        }
        cfg.put("torch_dtype", state.dataType() == DataType.DOUBLE ? "float64" : "float32");
        try {
            AtomicFiles.writeString(dir.resolve(CONFIG), JSON.writeValueAsString(cfg) + "\n");
        } catch (IOException e) {
            throw new CheckpointException(dir.resolve(CONFIG) + ": cannot write: " + e.getMessage(), e);
        }
        // transformers refuses a safetensors file whose metadata lacks format = pt
        Safetensors.write(dir.resolve(WEIGHTS), toHf(state.params(), c), Map.of("format", "pt"));
        if (opt.withOptimizer()) {
            Map<String, INDArray> moments = new LinkedHashMap<>();
            toHf(state.adamM(), c).forEach((k, a) -> moments.put(M + k, a));
            toHf(state.adamV(), c).forEach((k, a) -> moments.put(V + k, a));
            Map<String, String> meta = new TreeMap<>();
            meta.put("format", OPTIMIZER_FORMAT);
            meta.put("step", Long.toString(state.step()));
            meta.put("schedule_step", Long.toString(state.scheduleStep()));
            meta.put("schedule", JSON.valueToTree(state.schedule()).toString());
            Safetensors.write(dir.resolve(OPTIMIZER), moments, meta);
        }
    }

    /** The state with the moments, step and schedule of an {@link #OPTIMIZER} file. */
    private static TrainingState withMoments(Path file, ModelConfig config, Map<String, INDArray> params) {
        try (Safetensors f = Safetensors.open(file)) {
            Map<String, String> meta = f.metadata();
            if (!OPTIMIZER_FORMAT.equals(meta.get("format"))) {
                throw bad(file, "not Adam moments written by staged export (__metadata__.format is "
                        + meta.get("format") + ", expected " + OPTIMIZER_FORMAT + ")");
            }
            String digest = f.dataSha256();
            if (!digest.equals(meta.get(Safetensors.SHA256))) {
                throw bad(file, "SHA-256 of the tensor data is " + digest + ", header says "
                        + meta.get(Safetensors.SHA256) + " (corrupted)");
            }
            Map<String, INDArray> m = fromHf(name -> readMoment(f, M, name), config);
            Map<String, INDArray> v = fromHf(name -> readMoment(f, V, name), config);
            checkShapes(m, config, file);
            checkShapes(v, config, file);
            LrSchedule schedule = JSON.readValue(meta.get("schedule"), LrSchedule.class);
            return new TrainingState(config, params, m, v, Long.parseLong(meta.get("step")), schedule,
                    Long.parseLong(meta.get("schedule_step")));
        } catch (IOException | RuntimeException e) {
            if (e instanceof CheckpointException c) {
                throw c;
            }
            throw bad(file, "cannot read: " + e);
        }
    }

    private static INDArray readMoment(Safetensors f, String prefix, String name) {
        String key = prefix + (name.equals("lm_head.weight") ? name : T + name);
        return f.read(key);
    }

    private static void checkShapes(Map<String, INDArray> tensors, ModelConfig config, Path where) {
        for (Map.Entry<String, long[]> e : config.parameterShapes().entrySet()) {
            long[] found = tensors.get(e.getKey()).shape();
            if (!java.util.Arrays.equals(found, e.getValue())) {
                throw new CheckpointException(where + ": tensor for " + e.getKey() + " has shape "
                        + java.util.Arrays.toString(found) + ", but " + CONFIG + " makes it "
                        + java.util.Arrays.toString(e.getValue()));
            }
        }
    }

    private static int required(JsonNode c, String key, Path file) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt()) {
            throw bad(file, "missing or non-integer " + key);
        }
        return v.asInt();
    }

    private static JsonNode readJson(Path file) {
        if (!Files.exists(file)) {
            throw new CheckpointException(file + " not found: a Hugging Face model folder holds " + CONFIG + " and "
                    + WEIGHTS + " as save_pretrained writes them");
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw bad(file, "not valid JSON: " + e.getMessage());
        }
    }

    private static CheckpointException bad(Path file, String what) {
        return new CheckpointException(file + ": " + what);
    }
}
