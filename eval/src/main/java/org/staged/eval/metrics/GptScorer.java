package org.staged.eval.metrics;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.models.Gpt;

/** {@link TokenScorer} for the suite's GPT. */
public final class GptScorer implements TokenScorer {
    private final Gpt gpt;

    /**
     * @param gpt the model
     */
    public GptScorer(Gpt gpt) {
        this.gpt = gpt;
    }

    @Override
    public int contextLength() {
        return gpt.config().contextLength();
    }

    @Override
    public Scores score(int[][] windows, boolean withArgmax) {
        int b = windows.length;
        int l = windows[0].length - 1;
        int[][] x = new int[b][];
        int[][] y = new int[b][];
        for (int i = 0; i < b; i++) {
            x[i] = Arrays.copyOfRange(windows[i], 0, l);
            y[i] = Arrays.copyOfRange(windows[i], 1, l + 1);
        }
        INDArray idx = Nd4j.createFromArray(x);
        INDArray tgt = Nd4j.createFromArray(y);
        double[] flat = gpt.targetLogProbs(idx, tgt);
        double[][] out = new double[b][];
        for (int i = 0; i < b; i++) {
            out[i] = Arrays.copyOfRange(flat, i * l, (i + 1) * l);
        }
        return new Scores(out, withArgmax ? rows(gpt.lastArgmax(), b, l) : null);
    }

    private static int[][] rows(int[] flat, int b, int l) {
        int[][] out = new int[b][];
        for (int i = 0; i < b; i++) {
            out[i] = Arrays.copyOfRange(flat, i * l, (i + 1) * l);
        }
        return out;
    }
}
