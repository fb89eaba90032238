package org.staged.operators;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthClaims;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.models.Gpt;
import org.staged.models.GptInit;
import org.staged.operators.kit.ConformanceKit;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class WidthVariantsTest {
    private final GrowthOperators registry = GrowthOperators.discover();

    @Test
    public void thePapersWidthFailsEq5OnItsZeroBlocksAndTheKitSaysSo() {
        ConformanceKit.Report r = ConformanceKit.run(registry.get("width"), 1, true);
        assertTrue(r.passed(), "the paper's width claims Eq. 5-6 on derived entries only: " + r.failures());
        ConformanceKit.Check onNew = check(r, "Eq. 5: g(G(φ)) = Gm(g(φ)) on new entries");
        assertFalse(onNew.required());
        assertFalse(onNew.passed(), onNew.figure());
        for (ConformanceKit.Group g : r.groups()) {
            if (g.group().equals("attention") || g.group().equals("MLP")) {
                // zero blocks: gradient ½g, moments 0
                assertEquals(g.eq5New(), 1.0, 1e-12, g.toString());
                assertTrue(g.eq5Derived() <= ConformanceKit.DYNAMICS_TOL, g.toString());
                assertTrue(g.fresh() > 0);
            }
            if (g.group().equals("embeddings") || g.group().equals("LayerNorms")) {
                assertEquals(g.fresh(), 0L, g.toString());
            }
        }
    }

    @Test
    public void matchedMomentsSatisfyEq5And6OnEveryEntry() {
        GrowthOperator op = registry.get("width(moments=matched)");
        assertEquals(op.claims().dynamicsEntries(), GrowthClaims.Entries.ALL);
        for (boolean tied : new boolean[] {true, false}) {
            ConformanceKit.Report r = ConformanceKit.run(op, 7, tied);
            assertTrue(r.passed(), String.join("; ", r.failures()));
            assertTrue(check(r, "Eq. 5: g(G(φ)) = Gm(g(φ)) on new entries").required());
            for (ConformanceKit.Group g : r.groups()) {
                for (double e : new double[] {g.eq5Derived(), g.eq5New(), g.eq6Derived(), g.eq6New(),
                        g.updateDerived(), g.updateNew()}) {
                    assertTrue(Double.isNaN(e) || e <= ConformanceKit.DYNAMICS_TOL, g.toString());
                }
            }
        }
    }

    @Test
    public void aClaimOnEveryEntryThatTheZeroBlocksBreakFailsTheKitByName() {
        GrowthOperator paper = new WidthGrowth();
        GrowthOperator overclaiming = new Claiming(paper, new GrowthClaims("width claiming every entry", true, true,
                GrowthClaims.Entries.ALL, paper.claims().schedule()));
        ConformanceKit.Report r = ConformanceKit.run(overclaiming, 1, true);
        assertFalse(r.passed());
        assertTrue(r.failures().stream().anyMatch(f -> f.contains("claims dynamics-preserving (all entries), but Eq. 5")
                && f.contains("on new entries")), r.failures().toString());
    }

    @DataProvider
    public Object[][] symmetryBreaking() {
        return new Object[][] {{"width(noise=0.01)"}, {"width(split=0.3)"}, {"width(moments=matched, noise=0.05)"},
            {"width(split=0.25, noise=0.01, moments=matched)"}};
    }

    @Test(dataProvider = "symmetryBreaking")
    public void symmetryBreakingPreservesTheLoss(String spec) {
        GrowthOperator op = registry.get(spec);
        assertTrue(op.claims().lossPreserving());
        assertFalse(op.claims().dynamicsPreserving(), "the halves' gradients differ, so Eq. 5-6 are approximate");
        for (boolean tied : new boolean[] {true, false}) {
            ConformanceKit.Report r = ConformanceKit.run(op, 11, tied);
            assertTrue(r.passed(), String.join("; ", r.failures()));
            assertTrue(check(r, "loss preserved (float32)").passed());
        }
    }

    @Test(dataProvider = "symmetryBreaking")
    public void symmetryBreakingGivesTheHalvesDifferentGradients(String spec) {
        double paper = halfAsymmetry(registry.get("width"));
        double broken = halfAsymmetry(registry.get(spec));
        assertTrue(paper < 1e-12, "the paper's halves see equal gradients: " + paper);
        assertTrue(broken > 1e-3, spec + ": halves' gradients differ by only " + broken);
    }

    /** Relative difference of the two halves of wte's gradient after growing a random model. */
    private static double halfAsymmetry(GrowthOperator op) {
        ModelConfig c = new ModelConfig(23, 8, 16, 2, 2, 64, true, 1e-5);
        TrainingState s = TrainingState.fresh(c, GptInit.init(c, 3, DataType.DOUBLE), LrSchedule.cosine(1e-3, 1, 10));
        TrainingState g = op.apply(s);
        SplittableRandom rng = new SplittableRandom(5);
        int[][] x = new int[2][8];
        int[][] y = new int[2][8];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 8; j++) {
                x[i][j] = rng.nextInt(23);
                y[i][j] = rng.nextInt(23);
            }
        }
        Map<String, INDArray> grads = TrainingState.zerosLike(g.params());
        new Gpt(g.config(), g.params()).lossAndGradients(Nd4j.createFromArray(x), Nd4j.createFromArray(y), grads);
        INDArray w = grads.get("wte.weight");
        INDArray a = w.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 16));
        INDArray b = w.get(NDArrayIndex.all(), NDArrayIndex.interval(16, 32));
        return a.sub(b).norm2Number().doubleValue() / a.norm2Number().doubleValue();
    }

    @Test
    public void halfAsymmetryIsZeroForThePapersWidthAndPositiveForTheVariants() {
        ModelConfig c = new ModelConfig(23, 8, 16, 2, 2, 64, false, 1e-5);
        TrainingState s = TrainingState.fresh(c, GptInit.init(c, 3, DataType.FLOAT), LrSchedule.cosine(1e-3, 1, 10));
        assertEquals(WidthGrowth.halfAsymmetry(registry.get("width").apply(s).params()), 0.0, 0.0);
        assertTrue(WidthGrowth.halfAsymmetry(registry.get("width(noise=0.1)").apply(s).params()) > 1e-3);
        assertTrue(WidthGrowth.halfAsymmetry(registry.get("width(split=0.25)").apply(s).params()) > 0.1);
        Map<String, INDArray> p = registry.get("width").apply(s).params();
        p.get("h.0.mlp.c_fc.weight").putScalar(0, 0, 1.0);   // one entry off: asymmetric, but only slightly
        double a = WidthGrowth.halfAsymmetry(p);
        assertTrue(a > 0 && a < 0.2, "one changed entry: " + a);
    }

    @Test
    public void badOptionsAreRefusedByName() {
        assertTrue(expectThrows(IllegalArgumentException.class, () -> registry.get("width(moments=half)"))
                .getMessage().contains("moments=half: expected zero or matched"));
        assertTrue(expectThrows(IllegalArgumentException.class, () -> registry.get("width(splt=0.3)"))
                .getMessage().contains("unknown option 'splt'"));
        assertTrue(expectThrows(IllegalArgumentException.class, () -> registry.get("width(split=1.5)"))
                .getMessage().contains("split=1.5"));
        assertTrue(expectThrows(IllegalArgumentException.class, () -> registry.get("width(noise=x)"))
                .getMessage().contains("noise=x: not a number"));
        assertTrue(expectThrows(IllegalArgumentException.class, () -> registry.get("depth(moments=matched)"))
                .getMessage().contains("'depth' takes no options"));
        assertTrue(expectThrows(IllegalArgumentException.class, () -> registry.stage("width(moments=matched,depth"))
                .getMessage().contains("unbalanced parentheses"));
    }

    @Test
    public void optionsSurviveCompositionAndNameTheOperator() {
        GrowthOperator op = registry.stage("width(moments=matched, noise=0.01),depth");
        assertEquals(op.name(), "width(moments=matched, noise=0.01),depth");
        assertEquals(registry.get(op.name().split(",depth")[0]).name(), "width(moments=matched, noise=0.01)");
        assertEquals(registry.get("width(moments=zero)").name(), "width");
        assertEquals(registry.stages("width(moments=matched); depth").size(), 2);
    }

    private static ConformanceKit.Check check(ConformanceKit.Report r, String name) {
        return r.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() ->
                new AssertionError("no check '" + name + "' in " + r.checks()));
    }

    /** An operator with other claims than its own: what a careless plugin would declare. */
    static final class Claiming implements GrowthOperator {
        private final GrowthOperator base;
        private final GrowthClaims claims;

        Claiming(GrowthOperator base, GrowthClaims claims) {
            this.base = base;
            this.claims = claims;
        }

        @Override
        public String name() {
            return base.name() + "-overclaiming";
        }

        @Override
        public GrowthClaims claims() {
            return claims;
        }

        @Override
        public ModelConfig grownConfig(ModelConfig original) {
            return base.grownConfig(original);
        }

        @Override
        public TrainingState apply(TrainingState original) {
            return base.apply(original);
        }
    }
}
