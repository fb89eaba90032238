package org.staged.eval.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/** Builds a tokenizer from its spec: {@code byte}, {@code gpt2} or {@code bpe:N} (trained, saved with the run). */
public final class Tokenizers {
    /** File name of a trained tokenizer inside a run directory. */
    public static final String FILE = "tokenizer.json";

    private Tokenizers() {
    }

    /**
     * @param spec         {@code byte}, {@code gpt2} or {@code bpe:N}
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
        if (spec.startsWith("bpe:")) {
            int v = vocabSize(spec);
            Path file = runDir.resolve(FILE);
            if (Files.exists(file)) {
                BpeTokenizer t = BpeTokenizer.load(file);
                if (t.vocabSize() != v) {
                    throw new IllegalArgumentException(file + " has vocabulary " + t.vocabSize() + ", --tokenizer asks "
                            + v + "; use another run directory");
                }
                return t;
            }
            BpeTokenizer t = BpeTokenizer.train(trainingText.get(), v);
            t.save(file);
            return t;
        }
        throw new IllegalArgumentException("unknown --tokenizer '" + spec + "'; expected byte, gpt2 or bpe:N");
    }

    /**
     * @param spec {@code byte}, {@code gpt2} or {@code bpe:N}
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
        if (spec.startsWith("bpe:")) {
            try {
                return Integer.parseInt(spec.substring(4));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tokenizer " + spec + ": expected bpe:N with N an integer", e);
            }
        }
        throw new IllegalArgumentException("unknown --tokenizer '" + spec + "'; expected byte, gpt2 or bpe:N");
    }
}
