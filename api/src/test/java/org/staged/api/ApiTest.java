package org.staged.api;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.testng.annotations.Test;

public class ApiTest {
    @Test
    public void presetsHaveThePublishedSizes() {
        assertEquals(ModelConfig.preset("gpt2-base").totalParams(), 124_439_808L); // GPT-2 small, tied head
        long large = ModelConfig.preset("gpt2-large").totalParams();
        assertTrue(large > 750e6 && large < 770e6, "paper's GPT2-LARGE is 760M, found " + large);
        ModelConfig tiny = ModelConfig.preset("tiny");
        assertEquals(tiny.headSize(), 32);
        assertEquals(tiny.nonEmbeddingParams(), 4L * (12 * 128 * 128 + 13 * 128) + 2 * 128);
        assertEquals(ModelConfig.preset("small").vocabSize(), 8192);
    }

    @Test
    public void invalidConfigsNameTheField() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> new ModelConfig(256, 128, 130, 4, 4, 512, true, 1e-5));
        assertTrue(e.getMessage().contains("dModel (130)") && e.getMessage().contains("nHead (4)"), e.getMessage());
        e = expectThrows(IllegalArgumentException.class, () -> ModelConfig.preset("huge"));
        assertTrue(e.getMessage().contains("tiny"), e.getMessage());
    }

    @Test
    public void parameterNamesAreStableAndHeadOnlyWhenUntied() {
        ModelConfig c = ModelConfig.preset("micro");
        assertEquals(c.parameterShapes().keySet().iterator().next(), "wte.weight");
        assertTrue(c.parameterShapes().containsKey("h.1.attn.q.weight"));
        assertTrue(!c.parameterShapes().containsKey("lm_head.weight"));
        assertEquals(c.withTiedHead(false).parameterShapes().get("lm_head.weight"), new long[] {8, 17});
    }

    @Test
    public void scheduleWarmsUpThenDecaysAndCanBeEnteredAnywhere() {
        LrSchedule s = LrSchedule.cosine(1e-3, 10, 110);
        assertEquals(s.lr(0), 1e-4, 1e-15);
        assertEquals(s.lr(9), 1e-3, 1e-15);
        assertEquals(s.lr(60), 1e-4 + 0.9e-3 * 0.5, 1e-12);      // half way through the cosine
        assertEquals(s.lr(110), 1e-4, 1e-15);
        assertEquals(s.lr(5000), 1e-4, 1e-15);                   // floor afterwards
        LrSchedule linear = new LrSchedule(2e-3, 0, 100, LrSchedule.Decay.LINEAR, 0.0);
        assertEquals(linear.lr(25), 1.5e-3, 1e-15);
        expectThrows(IllegalArgumentException.class, () -> new LrSchedule(1e-3, 50, 10, LrSchedule.Decay.COSINE, 0));
    }

    @Test
    public void aRewarmupRampsTheTargetScheduleFromZero() {
        LrSchedule target = LrSchedule.cosine(1e-3, 10, 1000);
        LrSchedule s = target.withRewarm(300, 150);
        assertEquals(s.lr(299), target.lr(299), 0);                      // before: untouched
        assertEquals(s.lr(300), target.lr(300) / 150, 1e-18);           // first step after growth: 1/150 of it
        assertEquals(s.lr(374), target.lr(374) * 75 / 150, 1e-18);      // linear
        assertEquals(s.lr(449), target.lr(449), 1e-18);                  // reached at the end
        assertEquals(s.lr(450), target.lr(450), 0);
        assertEquals(target.withRewarm(300, 0), target);
        expectThrows(IllegalArgumentException.class, () -> target.withRewarm(-1, 10));
    }

    @Test
    public void aGrowthSpecWithRewarmupPlacesTheStateOnARampFromGrowthTarget() {
        ModelConfig c = ModelConfig.preset("micro");
        Map<String, INDArray> p = new LinkedHashMap<>();
        c.parameterShapes().forEach((k, sh) -> p.put(k, Nd4j.zeros(DataType.FLOAT, sh)));
        TrainingState s = TrainingState.fresh(c, p, LrSchedule.cosine(1e-3, 10, 1000)).withSchedule(
                LrSchedule.cosine(1e-3, 10, 1000), 400);
        LrSchedule target = LrSchedule.cosine(2e-3, 10, 2000);
        TrainingState g = new org.staged.api.growth.GrowthSpec(target, 0.5, null, 200)
                .place(s, s, org.staged.api.growth.ScheduleContinuation.GROWTH_TARGET);
        assertEquals(g.scheduleStep(), 200);
        assertEquals(g.lr(), target.lr(200) / 200, 1e-18);
        assertEquals(g.schedule().lr(399), target.lr(399), 1e-18);
        TrainingState plain = org.staged.api.growth.GrowthSpec.of(target, 0.5)
                .place(s, s, org.staged.api.growth.ScheduleContinuation.GROWTH_TARGET);
        assertEquals(plain.lr(), target.lr(200), 0);
        expectThrows(IllegalArgumentException.class, () -> new org.staged.api.growth.GrowthSpec(target, 0.5, null, -1));
    }

    @Test
    public void stateChecksShapesAndCopiesDeeply() {
        ModelConfig c = ModelConfig.preset("micro");
        Map<String, INDArray> p = new LinkedHashMap<>();
        c.parameterShapes().forEach((k, sh) -> p.put(k, Nd4j.rand(DataType.FLOAT, sh)));
        TrainingState s = TrainingState.fresh(c, p, LrSchedule.cosine(1e-3, 1, 10));
        TrainingState copy = s.deepCopy();
        copy.params().get("wte.weight").addi(1);
        copy.advance();
        assertNotEquals(copy.params().get("wte.weight"), s.params().get("wte.weight"));
        assertEquals(s.step(), 0);
        assertEquals(copy.step(), 1);
        assertEquals(copy.scheduleStep(), 1);
        TrainingState jumped = s.withSchedule(LrSchedule.cosine(1e-3, 1, 100), 70);
        assertEquals(jumped.lr(), LrSchedule.cosine(1e-3, 1, 100).lr(70), 0);

        Map<String, INDArray> bad = new LinkedHashMap<>(p);
        bad.put("h.0.mlp.c_fc.weight", Nd4j.zeros(DataType.FLOAT, 8, 31));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> TrainingState.fresh(c, bad, LrSchedule.cosine(1e-3, 1, 10)));
        assertTrue(e.getMessage().contains("h.0.mlp.c_fc.weight") && e.getMessage().contains("[8, 31]")
                && e.getMessage().contains("[8, 32]"), e.getMessage());
        Map<String, INDArray> missing = new LinkedHashMap<>(p);
        missing.remove("ln_f.bias");
        e = expectThrows(IllegalArgumentException.class,
                () -> TrainingState.fresh(c, missing, LrSchedule.cosine(1e-3, 1, 10)));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("ln_f.bias"), e.getMessage());
    }

    @Test
    public void kaplanPeakLrMatchesTheAuthorsGpt2Large() {
        ModelConfig large = ModelConfig.preset("gpt2-large");   // d 1,536 × 24 layers, as in the paper
        assertEquals(LrSchedule.kaplanPeakLr(large.nonEmbeddingParams()), 0.0020069, 5e-8);
        assertEquals(LrSchedule.cosine(1e-3, 10, 100).withRewarm(50, 5).withPeakLr(2e-3),
                new LrSchedule(2e-3, 10, 100, LrSchedule.Decay.COSINE, 0.1, 50, 5));
        org.testng.Assert.expectThrows(IllegalArgumentException.class, () -> LrSchedule.kaplanPeakLr(0));
    }
}
