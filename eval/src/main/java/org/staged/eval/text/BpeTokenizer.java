package org.staged.eval.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.staged.api.AtomicFiles;

/**
 * Byte-level BPE (Sennrich et al. 2016 on bytes, as GPT-2) trained on the training text with a chosen
 * vocabulary size. At CPU scale a 50,257-token head would dominate compute, so the suite trains its own.
 * Token ids 0–255 are bytes; id 256 + k is the k-th merge.
 */
public final class BpeTokenizer implements Tokenizer {
    /**
     * GPT-2's pre-tokenisation: merges never cross these pieces. {@code \\s} is Unicode White_Space, as in the
     * regex module GPT-2 used, tiktoken and Hugging Face's {@code tokenizers} (Java's default is ASCII only).
     */
    static final Pattern PRETOKEN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int[][] merges;                 // merges[k] = {a, b}, merged into 256 + k
    private final int requested;                  // the vocabulary training aimed at (text may run out of pairs first)
    private final Map<Long, Integer> mergedId = new HashMap<>();
    private final byte[][] bytesOf;               // token id → its bytes
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private BpeTokenizer(int[][] merges, int requested) {
        this.merges = merges;
        this.requested = requested;
        bytesOf = new byte[256 + merges.length][];
        for (int i = 0; i < 256; i++) {
            bytesOf[i] = new byte[] {(byte) i};
        }
        for (int k = 0; k < merges.length; k++) {
            int a = merges[k][0];
            int b = merges[k][1];
            if (a < 0 || b < 0 || a >= 256 + k || b >= 256 + k) {
                throw new IllegalArgumentException("merge " + k + " refers to unknown token " + Arrays.toString(merges[k]));
            }
            mergedId.put(pair(a, b), 256 + k);
            byte[] ab = Arrays.copyOf(bytesOf[a], bytesOf[a].length + bytesOf[b].length);
            System.arraycopy(bytesOf[b], 0, ab, bytesOf[a].length, bytesOf[b].length);
            bytesOf[256 + k] = ab;
        }
    }

    /**
     * Learns merges from {@code text} until the vocabulary has {@code vocabSize} tokens (or no pair repeats).
     * Pairs are counted over distinct pre-tokenised words weighted by frequency and updated incrementally;
     * ties go to the smaller pair, so training is deterministic.
     *
     * @param text      training text
     * @param vocabSize target vocabulary, at least 256
     * @return the tokenizer
     */
    public static BpeTokenizer train(String text, int vocabSize) {
        if (vocabSize < 256) {
            throw new IllegalArgumentException("BPE vocabulary size must be >= 256, found " + vocabSize);
        }
        Map<String, Integer> freq = new HashMap<>();
        Matcher m = PRETOKEN.matcher(text);
        while (m.find()) {
            freq.merge(m.group(), 1, Integer::sum);
        }
        List<int[]> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        freq.forEach((w, c) -> {
            words.add(bytes(w));
            counts.add(c);
        });
        Map<Long, Long> pairCount = new HashMap<>();
        Map<Long, Set<Integer>> pairWords = new HashMap<>();
        for (int w = 0; w < words.size(); w++) {
            addPairs(words.get(w), counts.get(w), w, pairCount, pairWords, null);
        }
        // max-heap on count, ties to the smaller pair; stale entries are skipped when popped
        PriorityQueue<long[]> heap = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0])
                : Long.compare(x[1], y[1]));
        pairCount.forEach((p, c) -> heap.add(new long[] {c, p}));
        List<int[]> merges = new ArrayList<>();
        while (256 + merges.size() < vocabSize && !heap.isEmpty()) {
            long[] top = heap.poll();
            long current = pairCount.getOrDefault(top[1], 0L);
            if (current != top[0] || current < 2) {
                if (current != top[0]) {
                    continue;
                }
                break; // nothing repeats any more
            }
            int a = (int) (top[1] >>> 32);
            int b = (int) top[1];
            int id = 256 + merges.size();
            merges.add(new int[] {a, b});
            Set<Long> changed = new HashSet<>();
            for (int w : pairWords.remove(top[1])) {
                int[] old = words.get(w);
                int c = counts.get(w);
                for (int i = 0; i + 1 < old.length; i++) {
                    long p = pair(old[i], old[i + 1]);
                    pairCount.merge(p, (long) -c, Long::sum);
                    changed.add(p);
                }
                int[] merged = merge(old, a, b, id);
                words.set(w, merged);
                addPairs(merged, c, w, pairCount, pairWords, changed);
            }
            pairCount.remove(top[1]);
            for (long p : changed) {
                long c = pairCount.getOrDefault(p, 0L);
                if (c > 0) {
                    heap.add(new long[] {c, p});
                }
            }
        }
        return new BpeTokenizer(merges.toArray(new int[0][]), vocabSize);
    }

    /**
     * Reads a tokenizer saved by {@link #save}.
     *
     * @param file the JSON file
     * @return the tokenizer
     * @throws IllegalArgumentException naming the file when it is not a BPE tokenizer
     */
    public static BpeTokenizer load(Path file) {
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (!"byte-bpe".equals(root.path("type").asText())) {
                throw new IllegalArgumentException(file + ": not a byte-bpe tokenizer (type = "
                        + root.path("type") + ")");
            }
            JsonNode ms = root.get("merges");
            int[][] merges = new int[ms.size()][];
            for (int k = 0; k < ms.size(); k++) {
                merges[k] = new int[] {ms.get(k).get(0).asInt(), ms.get(k).get(1).asInt()};
            }
            return new BpeTokenizer(merges, root.path("requested_vocab_size").asInt(256 + merges.length));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": cannot read tokenizer: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the merges as JSON, atomically.
     *
     * @param file destination
     */
    public void save(Path file) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", "byte-bpe");
        root.put("vocab_size", vocabSize());
        root.put("requested_vocab_size", requested);
        ArrayNode ms = root.putArray("merges");
        for (int[] mg : merges) {
            ms.addArray().add(mg[0]).add(mg[1]);
        }
        AtomicFiles.writeString(file, root.toString());
    }

    /** @return a copy of the merges: element k is the pair of ids merged into 256 + k */
    public int[][] merges() {
        int[][] out = new int[merges.length][];
        for (int k = 0; k < merges.length; k++) {
            out[k] = merges[k].clone();
        }
        return out;
    }

    /** @return the vocabulary training aimed at: {@link #vocabSize()}, or more when the text ran out of pairs */
    public int requestedVocabSize() {
        return requested;
    }

    @Override
    public String name() {
        return "bpe:" + requested;   // the spec it was made from, which Tokenizers.create takes back
    }

    @Override
    public int vocabSize() {
        return 256 + merges.length;
    }

    @Override
    public int[] encode(String text) {
        return encodePieces(text, w -> cache.computeIfAbsent(w, this::encodeWord));
    }

    /**
     * Splits {@code text} with {@link #PRETOKEN} and concatenates each piece's ids.
     *
     * @param text any string
     * @param word the ids of one piece
     * @return the ids of the text
     */
    static int[] encodePieces(String text, java.util.function.Function<String, int[]> word) {
        int[] out = new int[Math.max(16, text.length() / 2)];
        int n = 0;
        Matcher m = PRETOKEN.matcher(text);
        while (m.find()) {
            int[] w = word.apply(m.group());
            if (n + w.length > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, n + w.length));
            }
            System.arraycopy(w, 0, out, n, w.length);
            n += w.length;
        }
        return Arrays.copyOf(out, n);
    }

    @Override
    public String decode(int[] tokens) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int t : tokens) {
            b.writeBytes(bytesOf[t]);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Applies merges in the order they were learned: repeatedly merge the adjacent pair merged earliest. */
    private int[] encodeWord(String word) {
        int[] s = bytes(word);
        while (s.length > 1) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < s.length; i++) {
                Integer id = mergedId.get(pair(s[i], s[i + 1]));
                if (id != null && id < best) {
                    best = id;
                }
            }
            if (best == Integer.MAX_VALUE) {
                break;
            }
            int[] mg = merges[best - 256];
            s = merge(s, mg[0], mg[1], best);
        }
        return s;
    }

    private static void addPairs(int[] w, int c, int wordIndex, Map<Long, Long> pairCount,
                                 Map<Long, Set<Integer>> pairWords, Set<Long> changed) {
        for (int i = 0; i + 1 < w.length; i++) {
            long p = pair(w[i], w[i + 1]);
            pairCount.merge(p, (long) c, Long::sum);
            pairWords.computeIfAbsent(p, k -> new HashSet<>()).add(wordIndex);
            if (changed != null) {
                changed.add(p);
            }
        }
    }

    private static int[] merge(int[] s, int a, int b, int id) {
        int[] out = new int[s.length];
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
                out[n++] = id;
                i++;
            } else {
                out[n++] = s[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static int[] bytes(String w) {
        byte[] b = w.getBytes(StandardCharsets.UTF_8);
        int[] s = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            s[i] = b[i] & 0xff;
        }
        return s;
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }
}
