package org.staged.operators;

import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.staged.api.LrSchedule;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthClaims;
import org.staged.api.growth.GrowthException;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.api.growth.ScheduleContinuation;
import org.testng.annotations.Test;

public class RegistryTest {
    /** Claims width but returns a state whose tensors have the original shapes. */
    public static final class WrongShapes extends WidthGrowth {
        @Override
        public String name() {
            return "wrong-shapes";
        }

        @Override
        public TrainingState apply(TrainingState s) {
            return new TrainingState(grownConfig(s.config()), s.params(), s.adamM(), s.adamV(), s.step(),
                    s.schedule(), s.scheduleStep());
        }
    }

    /** Throws from apply. */
    public static final class Throws extends DepthGrowth {
        @Override
        public String name() {
            return "throws";
        }

        @Override
        public TrainingState apply(TrainingState s) {
            throw new IllegalStateException("boom");
        }
    }

    /** A second operator named width. */
    public static final class AnotherWidth extends WidthGrowth {
    }

    /** Cannot be constructed by ServiceLoader. */
    public static final class NoDefaultConstructor extends DepthGrowth {
        public NoDefaultConstructor(int x) {
        }
    }

    private static TrainingState state() {
        ModelConfig c = ModelConfig.preset("micro");
        Map<String, INDArray> p = new LinkedHashMap<>();
        c.parameterShapes().forEach((k, sh) -> p.put(k, Nd4j.rand(DataType.FLOAT, sh)));
        return TrainingState.fresh(c, p, LrSchedule.cosine(1e-3, 1, 10));
    }

    @Test
    public void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> GrowthOperators.discover().get("widht"));
        assertTrue(e.getMessage().contains("'widht'") && e.getMessage().contains("width")
                && e.getMessage().contains("depth-zero-opt"), e.getMessage());
    }

    @Test
    public void faultyPluginsAreReportedByName() {
        GrowthException e = expectThrows(GrowthException.class,
                () -> GrowthOperators.applyChecked(new WrongShapes(), state()));
        assertTrue(e.getMessage().contains("'wrong-shapes'") && e.getMessage().contains(WrongShapes.class.getName())
                && e.getMessage().contains("wte.weight") && e.getMessage().contains("[17, 16]"), e.getMessage());
        e = expectThrows(GrowthException.class, () -> GrowthOperators.applyChecked(new Throws(), state()));
        assertTrue(e.getMessage().contains("'throws'") && e.getMessage().contains("boom"), e.getMessage());
    }

    @Test
    public void brokenProviderIsReportedAndOthersStillLoad() throws IOException {
        Path dir = Files.createTempDirectory("plugin");
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.writeString(services.resolve(GrowthOperator.class.getName()),
                NoDefaultConstructor.class.getName() + "\ncom.example.Missing\n" + AnotherWidth.class.getName() + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                RegistryTest.class.getClassLoader())) {
            GrowthOperators r = GrowthOperators.discover(loader);
            assertTrue(r.all().containsKey("width") && r.all().containsKey("depth"), r.all().keySet().toString());
            String problems = String.join("\n", r.problems());
            assertTrue(problems.contains("NoDefaultConstructor") && problems.contains("com.example.Missing"),
                    problems);
            assertTrue(problems.contains("two operators are named 'width'"), problems);
        }
    }

    @Test
    public void growPlacesTheStateOnTheTargetSchedule() {
        TrainingState s = state();
        for (int i = 0; i < 40; i++) {
            s.advance();
        }
        LrSchedule target = LrSchedule.cosine(2e-3, 5, 500);
        GrowthOperator width = new WidthGrowth();
        TrainingState g = width.grow(s, org.staged.api.growth.GrowthSpec.of(target, 0.55));
        assertTrue(g.scheduleStep() == 22 && g.schedule().equals(target) && g.step() == 40);
        TrainingState r = width.grow(s, new org.staged.api.growth.GrowthSpec(target, 0.55,
                ScheduleContinuation.RESTART));
        assertTrue(r.scheduleStep() == 0 && r.lr() == target.lr(0));
        assertTrue(new GrowthClaims("x", true, true, ScheduleContinuation.KEEP).schedule() == ScheduleContinuation.KEEP);
    }
}
