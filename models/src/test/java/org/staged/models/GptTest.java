package org.staged.models;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class GptTest {

    /** Random tokens [b, t] in [0, vocab). */
    static INDArray tokens(SplittableRandom rng, int b, int t, int vocab) {
        int[][] x = new int[b][t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                x[i][j] = rng.nextInt(vocab);
            }
        }
        return Nd4j.createFromArray(x);
    }

    /** GPT-2 init plus noise on every tensor, so LayerNorms and biases are not at their trivial values. */
    static Map<String, INDArray> randomParams(ModelConfig cfg, long seed, DataType dt) {
        Map<String, INDArray> p = GptInit.init(cfg, seed, dt);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        p.replaceAll((k, a) -> a.addi(GptInit.gaussian(a.shape(), 0.3, rng, dt)));
        return p;
    }

    @DataProvider
    public Object[][] heads() {
        return new Object[][] {{true}, {false}};
    }

    @Test(dataProvider = "heads")
    public void gradientsMatchFiniteDifferencesForEveryTensor(boolean tied) {
        ModelConfig cfg = ModelConfig.preset("micro").withTiedHead(tied);
        Map<String, INDArray> p = randomParams(cfg, 7, DataType.DOUBLE);
        Gpt gpt = new Gpt(cfg, p);
        SplittableRandom rng = new SplittableRandom(3);
        // T < context length exercises the position-embedding slice; V = 17 forces repeated tokens
        INDArray idx = tokens(rng, 2, 6, cfg.vocabSize());
        INDArray tgt = tokens(rng, 2, 6, cfg.vocabSize());
        Map<String, INDArray> g = TrainingState.zerosLike(p);
        gpt.lossAndGradients(idx, tgt, g);
        for (Map.Entry<String, INDArray> e : p.entrySet()) {
            double[] d = finiteDifference(e.getValue(), g.get(e.getKey()), () -> gpt.loss(idx, tgt));
            double diff2 = d[0];
            double norm2 = d[1];
            if (e.getKey().endsWith("attn.k.bias")) {
                // softmax is invariant to q·b_k, the same for every key: this gradient is exactly zero
                assertTrue(Math.sqrt(norm2) < 1e-9 && g.get(e.getKey()).norm2Number().doubleValue() < 1e-9,
                        e.getKey() + " should have a zero gradient");
                continue;
            }
            double rel = Math.sqrt(diff2) / Math.sqrt(norm2);
            assertTrue(norm2 > 1e-12, e.getKey() + " has a zero gradient");
            assertTrue(rel <= 1e-6, e.getKey() + ": relative error " + rel);
        }
    }

    /**
     * Central differences of {@code loss} over every entry of {@code param} against {@code analytic}.
     *
     * @return {Σ (numeric − analytic)², Σ numeric²}
     */
    private static double[] finiteDifference(INDArray param, INDArray analyticGrad,
                                             java.util.function.DoubleSupplier loss) {
        double h = 1e-5;
        INDArray theta = param.reshape(param.length());
        INDArray analytic = analyticGrad.reshape(theta.length());
        double diff2 = 0;
        double norm2 = 0;
        for (long i = 0; i < theta.length(); i++) {
            double orig = theta.getDouble(i);
            theta.putScalar(i, orig + h);
            double up = loss.getAsDouble();
            theta.putScalar(i, orig - h);
            double down = loss.getAsDouble();
            theta.putScalar(i, orig);
            double numeric = (up - down) / (2 * h);
            diff2 += Math.pow(numeric - analytic.getDouble(i), 2);
            norm2 += numeric * numeric;
        }
        return new double[] {diff2, norm2};
    }

    @Test
    public void gradientsWithDropoutMatchFiniteDifferencesUnderTheSameMasks() {
        ModelConfig cfg = ModelConfig.preset("micro");
        Map<String, INDArray> p = randomParams(cfg, 9, DataType.DOUBLE);
        Gpt gpt = new Gpt(cfg, p);
        gpt.setDropout(0.3, 42);   // every pass draws the same masks from this seed
        SplittableRandom rng = new SplittableRandom(5);
        INDArray idx = tokens(rng, 2, 6, cfg.vocabSize());
        INDArray tgt = tokens(rng, 2, 6, cfg.vocabSize());
        Map<String, INDArray> g = TrainingState.zerosLike(p);
        double trainLoss = gpt.lossAndGradients(idx, tgt, g);
        assertTrue(Math.abs(trainLoss - gpt.loss(idx, tgt)) > 1e-6, "dropout changes the training loss only");
        for (String name : List.of("wte.weight", "wpe.weight", "h.0.attn.c_proj.weight", "h.1.mlp.c_fc.weight",
                "h.1.ln_1.weight", "h.0.mlp.c_proj.bias")) {
            double[] d = finiteDifference(p.get(name), g.get(name), () -> gpt.trainingLoss(idx, tgt));
            double norm2 = d[1];
            double rel = Math.sqrt(d[0]) / Math.sqrt(norm2);
            assertTrue(norm2 > 1e-12 && rel <= 1e-6, name + ": relative error " + rel);
        }
    }

    @Test
    public void gradientsWithAttentionDropoutMatchFiniteDifferencesUnderTheSameMasks() {
        ModelConfig cfg = ModelConfig.preset("micro");
        Map<String, INDArray> p = randomParams(cfg, 10, DataType.DOUBLE);
        Gpt gpt = new Gpt(cfg, p);
        SplittableRandom rng = new SplittableRandom(6);
        INDArray idx = tokens(rng, 2, 6, cfg.vocabSize());
        INDArray tgt = tokens(rng, 2, 6, cfg.vocabSize());
        for (double residual : new double[] {0, 0.2}) {
            gpt.setDropout(residual, 0.3, 43);
            Map<String, INDArray> g = TrainingState.zerosLike(p);
            double trainLoss = gpt.lossAndGradients(idx, tgt, g);
            assertTrue(Math.abs(trainLoss - gpt.loss(idx, tgt)) > 1e-6, "attention dropout changes the training loss");
            // every tensor the attention probabilities' gradient flows into, and those beyond them
            for (String name : List.of("h.0.attn.q.weight", "h.0.attn.k.weight", "h.1.attn.v.weight",
                    "h.1.attn.q.bias", "h.0.ln_1.weight", "wte.weight", "wpe.weight")) {
                double[] d = finiteDifference(p.get(name), g.get(name), () -> gpt.trainingLoss(idx, tgt));
                double rel = Math.sqrt(d[0]) / Math.sqrt(d[1]);
                assertTrue(d[1] > 1e-12 && rel <= 1e-6, name + " (residual dropout " + residual + "): relative error "
                        + rel);
            }
        }
    }

    @Test
    public void attentionDropoutDrawsAfterTheOtherMasksSoTheyStayTheSame() {
        ModelConfig cfg = ModelConfig.preset("micro");
        Map<String, INDArray> p = randomParams(cfg, 12, DataType.DOUBLE);
        SplittableRandom rng = new SplittableRandom(7);
        INDArray idx = tokens(rng, 2, 6, cfg.vocabSize());
        INDArray tgt = tokens(rng, 2, 6, cfg.vocabSize());
        Gpt a = new Gpt(cfg, p);
        a.setDropout(0.2, 44);
        Gpt b = new Gpt(cfg, p);
        b.setDropout(0.2, 0, 44);
        assertEquals(a.trainingLoss(idx, tgt), b.trainingLoss(idx, tgt), 0.0);
        expectThrows(IllegalArgumentException.class, () -> b.setDropout(0.1, 1.0, 1));
    }

    @Test
    public void splittingProductsOverThreadsGivesTheSameGradients() {
        ModelConfig cfg = ModelConfig.preset("tiny").withWidth(64, 4, 256).withLayers(2);
        Map<String, INDArray> p = randomParams(cfg, 3, DataType.FLOAT);
        SplittableRandom rng = new SplittableRandom(8);
        INDArray idx = tokens(rng, 8, 64, cfg.vocabSize());
        INDArray tgt = tokens(rng, 8, 64, cfg.vocabSize());
        Map<String, INDArray> one = TrainingState.zerosLike(p);
        Map<String, INDArray> two = TrainingState.zerosLike(p);
        try {
            Gemm.setThreads(1);
            double l1 = new Gpt(cfg, p).lossAndGradients(idx, tgt, one);
            Gemm.setThreads(2);
            double l2 = new Gpt(cfg, p).lossAndGradients(idx, tgt, two);
            assertEquals(l2, l1, 1e-6 * Math.abs(l1));
            for (String k : p.keySet()) {
                if (k.endsWith("attn.k.bias")) {
                    continue; // zero up to rounding (see the finite-difference test): no relative comparison
                }
                double rel = one.get(k).sub(two.get(k)).norm2Number().doubleValue()
                        / one.get(k).norm2Number().doubleValue();
                assertTrue(rel < 1e-5, k + ": relative difference " + rel);
            }
        } finally {
            Gemm.setThreads(1);
        }
    }

    @Test
    public void perTokenLogProbsAverageToTheLoss() {
        ModelConfig cfg = ModelConfig.preset("micro");
        Gpt gpt = new Gpt(cfg, randomParams(cfg, 4, DataType.DOUBLE));
        SplittableRandom rng = new SplittableRandom(6);
        INDArray idx = tokens(rng, 2, 8, cfg.vocabSize());
        INDArray tgt = tokens(rng, 2, 8, cfg.vocabSize());
        double[] lp = gpt.targetLogProbs(idx, tgt);
        assertEquals(lp.length, 16);
        assertEquals(-java.util.Arrays.stream(lp).average().orElseThrow(), gpt.loss(idx, tgt), 1e-12);
        assertTrue(java.util.Arrays.stream(lp).allMatch(v -> v < 0));
    }

    @Test
    public void freshModelPredictsNearlyUniformly() {
        ModelConfig cfg = ModelConfig.preset("tiny");
        Gpt gpt = new Gpt(cfg, GptInit.init(cfg, 1, DataType.FLOAT));
        SplittableRandom rng = new SplittableRandom(5);
        double loss = gpt.loss(tokens(rng, 4, 64, cfg.vocabSize()), tokens(rng, 4, 64, cfg.vocabSize()));
        assertEquals(loss, Math.log(cfg.vocabSize()), 0.05);
    }

    @Test
    public void overfitsOneSmallBatch() {
        ModelConfig cfg = ModelConfig.preset("micro").withContextLength(16).withWidth(32, 2, 128);
        PackedState s = PackedState.of(TrainingState.fresh(cfg, GptInit.init(cfg, 2, DataType.FLOAT),
                new LrSchedule(3e-3, 10, 300, LrSchedule.Decay.CONSTANT, 1.0)));
        Gpt gpt = new Gpt(cfg, s.state().params());
        SplittableRandom rng = new SplittableRandom(9);
        INDArray idx = tokens(rng, 4, 16, cfg.vocabSize());
        INDArray tgt = tokens(rng, 4, 16, cfg.vocabSize());
        AdamConfig adam = new AdamConfig(0.9, 0.98, 1e-6, true, 0.0, 1.0);
        double first = gpt.loss(idx, tgt);
        double loss = first;
        for (int i = 0; i < 300 && loss >= 0.1; i++) {
            s.zeroGrads();
            loss = gpt.lossAndGradients(idx, tgt, s.grads());
            Adam.step(s, adam);
        }
        assertTrue(first > 2.0, "initial loss " + first);
        assertTrue(loss < 0.1, "loss after training " + loss);
    }

    @Test
    public void sameSeedGivesBitIdenticalLosses() {
        assertEquals(trainLosses(11), trainLosses(11));
    }

    private static double[] trainLosses(long seed) {
        ModelConfig cfg = ModelConfig.preset("micro").withContextLength(16).withWidth(16, 2, 64);
        PackedState s = PackedState.of(TrainingState.fresh(cfg, GptInit.init(cfg, seed, DataType.FLOAT),
                LrSchedule.cosine(1e-3, 2, 10)));
        Gpt gpt = new Gpt(cfg, s.state().params());
        SplittableRandom rng = new SplittableRandom(seed);
        double[] losses = new double[5];
        for (int i = 0; i < losses.length; i++) {
            s.zeroGrads();
            losses[i] = gpt.lossAndGradients(tokens(rng, 3, 16, cfg.vocabSize()),
                    tokens(rng, 3, 16, cfg.vocabSize()), s.grads());
            Adam.step(s, AdamConfig.defaults());
        }
        return losses;
    }
}
