package org.staged.reproduce.preset;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.annotations.Test;

public class PresetTest {
    @Test
    public void everyBuiltInPresetLoads() {
        for (String name : Preset.BUILT_IN) {
            Preset p = Preset.load(name);
            assertEquals(p.name(), name);
            assertTrue(p.runs().size() >= (name.startsWith("width-study") ? 2 : 9), name + " has the runs of Table 1");
        }
        Preset cpu = Preset.load("cpu");
        Preset.GrownRun twoStage = cpu.runs().stream().filter(r -> r.label().equals("2x2xW-practical")).findFirst()
                .orElseThrow();
        assertEquals(twoStage.stages(), List.of("width", "width"));
        assertEquals(Preset.load("gpt2-large").targets().get(0).config().dModel(), 1536);
        assertEquals(Preset.load("quick").targets().get(0).config().contextLength(), 64);
    }

    @Test
    public void theScheduleSpansTheTargetUnlessADecayHorizonIsGiven() {
        Preset quick = Preset.load("quick");
        Preset.Target t = quick.targets().get(0);
        assertEquals(quick.training().schedule(t).totalSteps(), t.steps());
        assertEquals(quick.parallelRuns(), 2);
        Preset cpu = Preset.load("cpu");
        assertEquals(cpu.training().schedule(cpu.targets().get(0)).totalSteps(), 40_000);
        Preset one = Preset.parse("my.preset", Preset.text("quick").replace("parallel_runs = 2", ""));
        assertEquals(one.parallelRuns(), 1, "runs one after another unless the preset says otherwise");
    }

    @Test
    public void aCopiedFileLoadsByPath() throws IOException {
        Path f = Files.createTempFile("my", ".preset");
        Files.writeString(f, Preset.text("quick").replace("seeds = 1", "seeds = 4, 5"));
        assertEquals(Preset.load(f.toString()).seeds(), List.of(4L, 5L));
    }

    @Test
    public void runsNameOperatorOptionsAndARewarmup() {
        Preset p = Preset.parse("my.preset", Preset.text("quick").replace("manual.2xD = depth", "manual.2xD = depth\n"
                + "manual.2xW-matched = width( moments=matched , noise=0.01 ) @rewarm=150\n"
                + "practical.2x2xW-m = width(moments=matched); width(moments=matched) @rewarm=20\n"
                + "train.attn_dropout = 0.1"));
        Preset.GrownRun m = p.runs().stream().filter(r -> r.name().equals("2xW-matched")).findFirst().orElseThrow();
        assertEquals(m.stages(), List.of("width(moments=matched, noise=0.01)"));
        assertEquals(m.rewarm(), 150);
        Preset.GrownRun two = p.runs().stream().filter(r -> r.name().equals("2x2xW-m")).findFirst().orElseThrow();
        assertEquals(two.stages(), List.of("width(moments=matched)", "width(moments=matched)"));
        assertEquals(two.rewarm(), 20);
        assertEquals(p.training().attnDropout(), 0.1);
        assertEquals(Preset.load("quick").training().attnDropout(), 0.0);
        String e = errorOf("manual.2xW = width", "manual.2xW = width(moments=half)");
        assertTrue(e.startsWith("my.preset:") && e.contains("manual.2xW") && e.contains("moments=half"), e);
        e = errorOf("manual.2xW = width", "manual.2xW = width @rewarm=soon");
        assertTrue(e.contains("manual.2xW") && e.contains("@rewarm=STEPS"), e);
        e = errorOf("manual.2xW = width", "manual.2xW = width @restart");
        assertTrue(e.contains("manual.2xW"), "a restart is an ablation's: " + e);
        e = errorOf("train.dropout = 0.1", "train.dropout = 0.1\ntrain.attn_dropout = 1");
        assertTrue(e.contains("train.attn_dropout") && e.contains("[0, 1)"), e);
    }

    private static String errorOf(String from, String to) {
        String text = Preset.text("quick");
        assertTrue(text.contains(from), from);
        return expectThrows(IllegalArgumentException.class, () -> Preset.parse("my.preset", text.replace(from, to)))
                .getMessage();
    }

    @Test
    public void kaplanGivesEachModelSizeItsOwnPeakOnTheTargetsSchedule() {
        Preset p = Preset.parse("my.preset", Preset.text("quick").replace("train.lr = 0.002", "train.lr = kaplan"));
        assertTrue(p.training().perSizeLr());
        Preset.Target t = p.targets().get(0);
        org.staged.api.LrSchedule target = p.training().schedule(t);
        assertEquals(target.peakLr(), org.staged.api.LrSchedule.kaplanPeakLr(t.config().nonEmbeddingParams()), 1e-15);
        org.staged.api.ModelConfig half = t.config().withWidth(t.config().dModel() / 2, t.config().nHead() / 2,
                t.config().dFf() / 2);
        org.staged.api.LrSchedule original = p.training().scheduleFor(target, half);
        assertEquals(original.peakLr(), org.staged.api.LrSchedule.kaplanPeakLr(half.nonEmbeddingParams()), 1e-15);
        assertTrue(original.peakLr() > target.peakLr(), "a smaller model trains at a higher peak");
        assertEquals(original.totalSteps(), target.totalSteps());
        assertEquals(original.warmupSteps(), target.warmupSteps());
        assertTrue(errorOf("train.lr = 0.002", "train.lr = fast").contains("or kaplan"));
    }

    @Test
    public void errorsNameFileLineAndKey() {
        String e = errorOf("train.lr = 0.002", "train.lr = fast");
        assertTrue(e.startsWith("my.preset:") && e.contains("train.lr") && e.contains("'fast'"), e);
        e = errorOf("train.batch = 16", "train.bacth = 16");
        assertTrue(e.contains("missing key train.batch"), e);
        e = errorOf("seeds = 1", "seeds = 1\nseedz = 2");
        assertTrue(e.contains("seedz") && e.contains("unknown key"), e);
        e = errorOf("target.base.checkpoints = 30, 60, 100", "target.base.checkpoints = 30, 65, 100");
        assertTrue(e.contains("target.base.checkpoints") && e.contains("multiples"), e);
        e = errorOf("practical.2xD = depth", "practical.2xD = Depth!");
        assertTrue(e.contains("practical.2xD"), e);
        e = errorOf("target.base.model = tiny", "target.base.model = huge");
        assertTrue(e.contains("target.base.model") && e.contains("huge"), e);
        e = errorOf("schedule.constants = estimated", "schedule.constants = guessed");
        assertTrue(e.contains("schedule.constants"), e);
        e = errorOf("parallel_runs = 2", "parallel_runs = 0");
        assertTrue(e.contains("parallel_runs") && e.contains("'0'"), e);
        e = errorOf("train.warmup = 10", "train.warmup = 10\ntrain.lr_decay_steps = -5");
        assertTrue(e.contains("train.lr_decay_steps"), e);
        e = errorOf("train.warmup = 10", "train.warmup = 10\ntrain.lr_decay_steps = 5");
        assertTrue(e.contains("train.lr_decay_steps") && e.contains("more than train.warmup"), e);
        e = expectThrows(IllegalArgumentException.class, () -> Preset.load("no-such-preset")).getMessage();
        assertTrue(e.contains("quick, cpu"), e);
    }
}
