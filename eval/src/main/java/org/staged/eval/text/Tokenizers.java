package org.staged.eval.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Builds a tokenizer from its spec: {@code byte}, {@code gpt2}, {@code bpe:N} (trained, saved with the run) or
 * {@code hf:DIR} (a Hugging Face folder's byte-level BPE {@code tokenizer.json}).
 */
public final class Tokenizers {
    /** File name of a trained tokenizer inside a run directory. */
    public static final String FILE = "tokenizer.json";

    /** Prefix of a Hugging Face folder's tokenizer: {@code hf:DIR} reads {@code DIR/tokenizer.json}. */
    public static final String HF = "hf:";

    private Tokenizers() {
    }

    private static Path hfFile(String spec) {
        Path f = Path.of(spec.substring(HF.length())).resolve(HfTokenizer.FILE);
        if (!Files.exists(f)) {
            throw new IllegalArgumentException("--tokenizer " + spec + ": " + f + " not found");
        }
        return f;
    }

    /**
     * @param spec         {@code byte}, {@code gpt2}, {@code bpe:N} or {@code hf:DIR}
     * @param trainingText text to train a BPE on when none is saved yet
     * @param runDir       where a trained BPE is saved and, on later calls, loaded from
     * @return the tokenizer
     * @throws IllegalArgumentException for an unknown spec, naming the valid ones
     */
    public static Tokenizer create(String spec, Supplier<String> trainingText, Path runDir) {
        if (spec.equals("byte")) {
            return new ByteTokenizer();
        }
        if (spec.equals("gpt2")) {
            return new Gpt2Tokenizer();
        }
        if (spec.startsWith(HF)) {
            return HfTokenizer.read(hfFile(spec));
        }
        if (spec.startsWith("bpe:")) {
            int v = vocabSize(spec);
            Path file = runDir.resolve(FILE);
            if (Files.exists(file)) {
                BpeTokenizer t = BpeTokenizer.load(file);
                if (t.requestedVocabSize() != v) {
                    throw new IllegalArgumentException(file + " was trained for a vocabulary of " + t.requestedVocabSize()
                            + ", --tokenizer asks " + v + "; use another run directory");
                }
                return t;
            }
            BpeTokenizer t = BpeTokenizer.train(trainingText.get(), v);
            t.save(file);
            return t;
        }
        throw new IllegalArgumentException("unknown --tokenizer '" + spec + "'; expected byte, gpt2, bpe:N or hf:DIR");
    }

    /**
     * @param spec {@code byte}, {@code gpt2}, {@code bpe:N} or {@code hf:DIR}
     * @return the vocabulary the tokenizer will have, without building it
     * @throws IllegalArgumentException for an unknown spec
     */
    public static int vocabSize(String spec) {
        if (spec.equals("byte")) {
            return 256;
        }
        if (spec.equals("gpt2")) {
            return 50257;
        }
        if (spec.startsWith(HF)) {
            return HfTokenizer.read(hfFile(spec)).vocabSize();
        }
        if (spec.startsWith("bpe:")) {
            try {
                return Integer.parseInt(spec.substring(4));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tokenizer " + spec + ": expected bpe:N with N an integer", e);
            }
        }
        throw new IllegalArgumentException("unknown --tokenizer '" + spec + "'; expected byte, gpt2, bpe:N or hf:DIR");
    }
}
