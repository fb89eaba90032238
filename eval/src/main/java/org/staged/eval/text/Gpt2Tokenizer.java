package org.staged.eval.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/** GPT-2's byte-level BPE (r50k_base, 50,257 tokens) through jtokkit; special tokens are encoded as text. */
public final class Gpt2Tokenizer implements Tokenizer {
    private final Encoding encoding = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    @Override
    public String name() {
        return "gpt2";
    }

    @Override
    public int vocabSize() {
        return 50257;
    }

    @Override
    public int[] encode(String text) {
        return encoding.encodeOrdinary(text).toArray();
    }

    @Override
    public String decode(int[] tokens) {
        IntArrayList l = new IntArrayList(tokens.length);
        for (int t : tokens) {
            l.add(t);
        }
        return encoding.decode(l);
    }
}
