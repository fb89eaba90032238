package org.staged.eval.text;

import java.nio.charset.StandardCharsets;

/** One token per UTF-8 byte: vocabulary 256, no training, every string round-trips. */
public final class ByteTokenizer implements Tokenizer {
    @Override
    public String name() {
        return "byte";
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public int[] encode(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] t = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            t[i] = b[i] & 0xff;
        }
        return t;
    }

    @Override
    public String decode(int[] tokens) {
        byte[] b = new byte[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            b[i] = (byte) tokens[i];
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
