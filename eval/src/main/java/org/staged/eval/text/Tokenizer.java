package org.staged.eval.text;

/** Text ↔ token ids. Implementations are immutable and thread-safe. */
public interface Tokenizer {
    /** @return a short name that {@link Tokenizers#create} understands, e.g. {@code byte}, {@code gpt2}, {@code bpe:8192} */
    String name();

    /** @return the number of distinct token ids, the model's vocabulary size */
    int vocabSize();

    /**
     * @param text any string
     * @return its token ids
     */
    int[] encode(String text);

    /**
     * @param tokens token ids
     * @return the text they stand for (invalid UTF-8 replaced)
     */
    String decode(int[] tokens);
}
