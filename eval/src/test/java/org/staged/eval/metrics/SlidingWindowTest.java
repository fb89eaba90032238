package org.staged.eval.metrics;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.staged.api.ModelConfig;
import org.staged.models.Gpt;
import org.staged.models.GptInit;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class SlidingWindowTest {
    /** Uniform over a vocabulary: perplexity must equal the vocabulary size. */
    private static TokenScorer uniform(int vocab, int context) {
        return new TokenScorer() {
            @Override
            public int contextLength() {
                return context;
            }

            @Override
            public Scores score(int[][] windows, boolean withArgmax) {
                double[][] out = new double[windows.length][windows[0].length - 1];
                for (double[] row : out) {
                    java.util.Arrays.fill(row, -Math.log(vocab));
                }
                return new Scores(out, null);
            }
        };
    }

    /** log p(target) = −(target id): with tokens 0 … n−1 the NLL is the sum of the scored positions. */
    private static TokenScorer positions(int context) {
        return new TokenScorer() {
            @Override
            public int contextLength() {
                return context;
            }

            @Override
            public Scores score(int[][] windows, boolean withArgmax) {
                double[][] out = new double[windows.length][windows[0].length - 1];
                for (int w = 0; w < windows.length; w++) {
                    for (int i = 0; i < out[w].length; i++) {
                        out[w][i] = -windows[w][i + 1];
                    }
                }
                return new Scores(out, null);
            }
        };
    }

    @DataProvider
    public Object[][] strides() {
        return new Object[][] {{1}, {3}, {7}, {8}};
    }

    @Test(dataProvider = "strides")
    public void everyTokenIsScoredExactlyOnce(int stride) {
        int n = 53;
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = i;
        }
        SlidingWindow.Result r = SlidingWindow.evaluate(tokens, positions(8), stride, 3, false);
        assertEquals(r.tokens(), n - 1);
        assertEquals(r.nll(), (double) n * (n - 1) / 2, 1e-9);   // Σ positions 1 … n−1, each once
    }

    @Test
    public void uniformModelHasPerplexityEqualToTheVocabulary() {
        int[] tokens = new SplittableRandom(1).ints(1000, 0, 50).toArray();
        SlidingWindow.Result r = SlidingWindow.evaluate(tokens, uniform(50, 16), 8, 4, false);
        assertEquals(r.perplexity(), 50.0, 1e-9);
        assertEquals(r.perplexityPer(r.tokens()), 50.0, 1e-9);
        assertEquals(SlidingWindow.evaluate(new int[] {3}, uniform(50, 16), 8, 4, false).tokens(), 0);
    }

    @Test
    public void gptScorerAgreesWithTheModelsLoss() {
        ModelConfig cfg = ModelConfig.preset("micro").withVocabSize(32);
        Gpt gpt = new Gpt(cfg, GptInit.init(cfg, 3, DataType.DOUBLE));
        int[] tokens = new SplittableRandom(2).ints(cfg.contextLength() + 1, 0, 32).toArray();
        // one window covering the whole stream: the perplexity is exp(mean loss)
        SlidingWindow.Result r = SlidingWindow.evaluate(tokens, new GptScorer(gpt), cfg.contextLength(), 1, false);
        int[][] x = {java.util.Arrays.copyOf(tokens, cfg.contextLength())};
        int[][] y = {java.util.Arrays.copyOfRange(tokens, 1, cfg.contextLength() + 1)};
        double loss = gpt.loss(org.nd4j.linalg.factory.Nd4j.createFromArray(x), org.nd4j.linalg.factory.Nd4j.createFromArray(y));
        assertEquals(Math.log(r.perplexity()), loss, 1e-12);
        assertTrue(r.perplexity() > 1);
    }

    @Test
    public void gptScorerArgmaxIsTheMostLikelyToken() {
        int vocab = 16;
        ModelConfig cfg = ModelConfig.preset("micro").withVocabSize(vocab);
        GptScorer scorer = new GptScorer(new Gpt(cfg, GptInit.init(cfg, 5, DataType.DOUBLE)));
        int[] window = new SplittableRandom(4).ints(9, 0, vocab).toArray();
        int[] best = scorer.score(new int[][] {window}, true).argmax()[0];
        // score every candidate for the last position; the argmax must have the highest log-probability
        int last = window.length - 2;
        double bestLogProb = Double.NEGATIVE_INFINITY;
        int expected = -1;
        for (int v = 0; v < vocab; v++) {
            int[] w = window.clone();
            w[last + 1] = v;
            double lp = scorer.logProbs(new int[][] {w})[0][last];
            if (lp > bestLogProb) {
                bestLogProb = lp;
                expected = v;
            }
        }
        assertEquals(best[last], expected);
    }
}
