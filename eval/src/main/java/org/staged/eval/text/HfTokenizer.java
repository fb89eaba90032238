package org.staged.eval.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.staged.api.AtomicFiles;

/**
 * A byte-level BPE as Hugging Face's {@code tokenizers} stores it in {@code tokenizer.json}: GPT-2's
 * pre-tokenizer regex, each byte shown as a printable character ({@code bytes_to_unicode}), and merges applied by
 * rank. It is built from the suite's tokenizers for export, and read back to encode as {@code tokenizers} does,
 * so an export can be checked against the run's own encoder.
 */
public final class HfTokenizer implements Tokenizer {
    /** The fast tokenizer's file. */
    public static final String FILE = "tokenizer.json";
    /** GPT-2's end-of-text token. */
    public static final String END_OF_TEXT = "<|endoftext|>";
    private static final String R50K = "/com/knuddels/jtokkit/r50k_base.tiktoken";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final List<String> vocab;               // id → token in byte-level characters
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String[]> merges;            // by rank
    private final Map<String, Integer> rank = new HashMap<>();
    private final Integer endOfText;                // id of <|endoftext|>, or null
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private HfTokenizer(String name, List<String> vocab, List<String[]> merges, Integer endOfText) {
        this.name = name;
        this.vocab = vocab;
        this.merges = merges;
        this.endOfText = endOfText;
        for (int i = 0; i < vocab.size(); i++) {
            if (ids.put(vocab.get(i), i) != null) {
                throw new IllegalArgumentException("token " + vocab.get(i) + " appears twice in the vocabulary");
            }
        }
        for (int r = 0; r < merges.size(); r++) {
            rank.putIfAbsent(merges.get(r)[0] + " " + merges.get(r)[1], r);
        }
    }

    /**
     * The Hugging Face form of a suite tokenizer: bytes are ids 0–255 and merge k makes id 256 + k for
     * {@code byte} and {@code bpe:N}; GPT-2's vocabulary and 50,000 merges are rebuilt from tiktoken's ranks.
     *
     * @param tok the run's tokenizer
     * @return its Hugging Face form
     */
    public static HfTokenizer of(Tokenizer tok) {
        if (tok instanceof HfTokenizer h) {
            return h;
        }
        if (tok instanceof Gpt2Tokenizer) {
            return gpt2();
        }
        List<byte[]> bytes = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            bytes.add(new byte[] {(byte) i});
        }
        int[][] pairs = tok instanceof BpeTokenizer b ? b.merges() : new int[0][];
        if (!(tok instanceof BpeTokenizer) && !(tok instanceof ByteTokenizer)) {
            throw new IllegalArgumentException("tokenizer " + tok.name() + " has no Hugging Face form");
        }
        List<String[]> merges = new ArrayList<>();
        for (int[] p : pairs) {
            merges.add(new String[] {ByteLevel.encode(bytes.get(p[0])), ByteLevel.encode(bytes.get(p[1]))});
            bytes.add(concat(bytes.get(p[0]), bytes.get(p[1])));
        }
        List<String> vocab = new ArrayList<>();
        bytes.forEach(b -> vocab.add(ByteLevel.encode(b)));
        return new HfTokenizer(tok.name(), vocab, merges, null);
    }

    private static HfTokenizer gpt2() {
        Map<ByteBuffer, Integer> ranks = new HashMap<>();
        List<byte[]> byRank = new ArrayList<>();
        try (InputStream in = Gpt2Tokenizer.class.getResourceAsStream(R50K)) {
            if (in == null) {
                throw new IllegalStateException(R50K + " not on the classpath (jtokkit's GPT-2 ranks)");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(" ");
                byte[] token = Base64.getDecoder().decode(f[0]);
                int id = Integer.parseInt(f[1]);
                if (id != byRank.size()) {
                    throw new IllegalStateException(R50K + ": ranks are not 0, 1, 2, ... at " + id);
                }
                byRank.add(token);
                ranks.put(ByteBuffer.wrap(token), id);
            }
        } catch (IOException e) {
            throw new IllegalStateException(R50K + ": " + e.getMessage(), e);
        }
        // GPT-2's merges, one per token: the two parts tiktoken's BPE leaves of a token's bytes when only lower
        // ranks may merge (merge k makes the token of rank 256 + k, as in GPT-2's merges.txt)
        List<String[]> merges = new ArrayList<>();
        for (int id = 256; id < byRank.size(); id++) {
            List<byte[]> parts = bpe(byRank.get(id), ranks, id);
            if (parts.size() != 2) {
                throw new IllegalStateException(R50K + ": token " + id + " is not the merge of two lower-ranked tokens");
            }
            merges.add(new String[] {ByteLevel.encode(parts.get(0)), ByteLevel.encode(parts.get(1))});
        }
        List<String> vocab = new ArrayList<>();
        byRank.forEach(b -> vocab.add(ByteLevel.encode(b)));
        vocab.add(END_OF_TEXT);
        return new HfTokenizer("gpt2", vocab, merges, vocab.size() - 1);
    }

    /** tiktoken's BPE of {@code bytes}: merge the adjacent pair of lowest rank below {@code below} until none is. */
    private static List<byte[]> bpe(byte[] bytes, Map<ByteBuffer, Integer> ranks, int below) {
        List<byte[]> parts = new ArrayList<>();
        for (byte b : bytes) {
            parts.add(new byte[] {b});
        }
        while (parts.size() > 1) {
            int best = below;
            int at = -1;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = ranks.get(ByteBuffer.wrap(concat(parts.get(i), parts.get(i + 1))));
                if (r != null && r < best) {
                    best = r;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            parts.set(at, concat(parts.get(at), parts.remove(at + 1)));
        }
        return parts;
    }

    /**
     * Reads a {@code tokenizer.json} holding a byte-level BPE (GPT-2's layout).
     *
     * @param file the file
     * @return the tokenizer, named {@code hf:FOLDER}
     * @throws IllegalArgumentException naming the file and the part this reader does not handle
     */
    public static HfTokenizer read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new IllegalArgumentException(file + ": model.type is " + model.path("type") + "; only BPE is read");
        }
        if (!"ByteLevel".equals(root.path("pre_tokenizer").path("type").asText())
                || root.path("pre_tokenizer").path("add_prefix_space").asBoolean(false)) {
            throw new IllegalArgumentException(file + ": pre_tokenizer is " + root.path("pre_tokenizer")
                    + "; only GPT-2's ByteLevel without add_prefix_space is read");
        }
        if (root.hasNonNull("normalizer")) {
            throw new IllegalArgumentException(file + ": a normalizer (" + root.get("normalizer").path("type")
                    + ") is not read; GPT-2's tokenizer has none");
        }
        JsonNode v = model.path("vocab");
        String[] vocab = new String[v.size()];
        for (var it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            int id = e.getValue().asInt(-1);
            if (id < 0 || id >= vocab.length || vocab[id] != null) {
                throw new IllegalArgumentException(file + ": model.vocab id " + e.getValue() + " of " + e.getKey()
                        + " is not one of 0 … " + (vocab.length - 1) + " used once");
            }
            vocab[id] = e.getKey();
        }
        List<String[]> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            String[] pair = m.isArray() ? new String[] {m.get(0).asText(), m.get(1).asText()} : m.asText().split(" ", 2);
            if (pair.length != 2) {
                throw new IllegalArgumentException(file + ": merge " + m + " is not a pair");
            }
            merges.add(pair);
        }
        Integer eot = null;
        for (JsonNode t : root.path("added_tokens")) {
            if (END_OF_TEXT.equals(t.path("content").asText())) {
                eot = t.path("id").asInt();
            }
        }
        return new HfTokenizer("hf:" + file.toAbsolutePath().getParent(), List.of(vocab), merges, eot);
    }

    /**
     * Writes {@code tokenizer.json} for {@code AutoTokenizer}, with the slow tokenizer's {@code vocab.json} and
     * {@code merges.txt} and a {@code tokenizer_config.json} that names no special token the vocabulary lacks.
     *
     * @param dir            an existing folder
     * @param modelMaxLength the model's context length
     */
    public void write(Path dir, int modelMaxLength) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        if (endOfText != null) {
            added.addObject().put("id", endOfText).put("content", END_OF_TEXT).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", true).put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false, true));
        root.set("post_processor", byteLevel(true, false));
        root.set("decoder", byteLevel(true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode v = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) {
            v.put(vocab.get(i), i);
        }
        ArrayNode m = model.putArray("merges");
        StringBuilder txt = new StringBuilder("#version: 0.2\n");
        for (String[] p : merges) {
            m.add(p[0] + " " + p[1]);
            txt.append(p[0]).append(' ').append(p[1]).append('\n');
        }
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("tokenizer_class", "GPT2Tokenizer");
        cfg.put("model_max_length", modelMaxLength);
        cfg.put("add_prefix_space", false);
        cfg.put("clean_up_tokenization_spaces", false);
        for (String special : List.of("bos_token", "eos_token", "unk_token")) {
            // null, not absent: GPT2Tokenizer would otherwise add <|endoftext|> as a new token past the vocabulary
            if (endOfText == null) {
                cfg.putNull(special);
            } else {
                cfg.put(special, END_OF_TEXT);
            }
        }
        try {
            AtomicFiles.writeString(dir.resolve(FILE), JSON.writeValueAsString(root));
            AtomicFiles.writeString(dir.resolve("vocab.json"), JSON.writeValueAsString(v));
            AtomicFiles.writeString(dir.resolve("merges.txt"), txt.toString());
            AtomicFiles.writeString(dir.resolve("tokenizer_config.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg) + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(dir + ": cannot write the tokenizer: " + e.getMessage(), e);
        }
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    /**
     * Checks that this tokenizer gives {@code run}'s token ids on every line, and decodes them back to the line.
     * Lines holding {@code <|endoftext|>} are left out where this tokenizer reads it as the special token.
     *
     * @param run   the encoder the ids must match
     * @param lines text to compare on
     * @return the number of tokens compared
     * @throws IllegalStateException quoting the first line whose ids differ
     */
    public long checkAgainst(Tokenizer run, List<String> lines) {
        long tokens = 0;
        for (String line : lines) {
            if (endOfText != null && line.contains(END_OF_TEXT)) {
                continue;
            }
            int[] want = run.encode(line);
            int[] got = encode(line);
            if (!Arrays.equals(got, want) || !decode(want).equals(line)) {
                throw new IllegalStateException(FILE + " does not reproduce " + run.name() + " on the line \""
                        + line.strip() + "\": " + Arrays.toString(got) + " instead of " + Arrays.toString(want));
            }
            tokens += want.length;
        }
        return tokens;
    }

    /** @return the id of {@code <|endoftext|>}, or null when the vocabulary has none */
    public Integer endOfText() {
        return endOfText;
    }

    /** @return the merges, by rank */
    public int mergeCount() {
        return merges.size();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    /**
     * Encodes as {@code tokenizers} does: {@code <|endoftext|>} (when in the vocabulary) as its id, the rest split
     * by GPT-2's regex, then in each piece the lowest-ranked adjacent pair merged until none is left.
     */
    @Override
    public int[] encode(String text) {
        if (endOfText == null || !text.contains(END_OF_TEXT)) {
            return encodeOrdinary(text);
        }
        List<int[]> parts = new ArrayList<>();
        int from = 0;
        for (int at; (at = text.indexOf(END_OF_TEXT, from)) >= 0; from = at + END_OF_TEXT.length()) {
            parts.add(encodeOrdinary(text.substring(from, at)));
            parts.add(new int[] {endOfText});
        }
        parts.add(encodeOrdinary(text.substring(from)));
        return parts.stream().flatMapToInt(Arrays::stream).toArray();
    }

    private int[] encodeOrdinary(String text) {
        return BpeTokenizer.encodePieces(text, w -> cache.computeIfAbsent(w, this::encodeWord));
    }

    private int[] encodeWord(String word) {
        String chars = ByteLevel.encode(word.getBytes(StandardCharsets.UTF_8));
        List<String> s = new ArrayList<>();
        chars.codePoints().forEach(c -> s.add(new String(Character.toChars(c))));
        while (s.size() > 1) {
            int best = Integer.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < s.size(); i++) {
                Integer r = rank.get(s.get(i) + " " + s.get(i + 1));
                if (r != null && r < best) {   // strict: the leftmost of equal ranks
                    best = r;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            s.set(at, s.get(at) + s.remove(at + 1));
        }
        int[] out = new int[s.size()];
        for (int i = 0; i < out.length; i++) {
            Integer id = ids.get(s.get(i));
            if (id == null) {
                throw new IllegalStateException(name + ": piece " + s.get(i) + " of " + word + " is not in the vocabulary");
            }
            out[i] = id;
        }
        return out;
    }

    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int t : tokens) {
            b.writeBytes(endOfText != null && t == endOfText ? END_OF_TEXT.getBytes(StandardCharsets.UTF_8)
                    : ByteLevel.decode(vocab.get(t)));
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] ab = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        return ab;
    }

    /**
     * GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes stand for themselves, the other 68 bytes for
     * U+0100 onwards in byte order, so every token is a string without spaces or control characters.
     */
    static final class ByteLevel {
        private static final char[] CHAR = new char[256];
        private static final Map<Character, Integer> BYTE = new LinkedHashMap<>();

        static {
            int next = 0;
            for (int b = 0; b < 256; b++) {
                boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF;
                CHAR[b] = printable ? (char) b : (char) (256 + next++);
                BYTE.put(CHAR[b], b);
            }
        }

        private ByteLevel() {
        }

        static String encode(byte[] bytes) {
            char[] c = new char[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                c[i] = CHAR[bytes[i] & 0xff];
            }
            return new String(c);
        }

        static byte[] decode(String s) {
            byte[] b = new byte[s.length()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (int) BYTE.get(s.charAt(i));
            }
            return b;
        }
    }
}
