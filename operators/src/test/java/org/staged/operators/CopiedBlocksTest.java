package org.staged.operators;

import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthClaims;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.ScheduleContinuation;
import org.staged.operators.kit.ConformanceKit;
import org.testng.annotations.Test;

/**
 * The negative case of the kit: a depth operator that copies every block after itself (φ0, φ0, φ1, φ1, …),
 * as the authors' released depth code does, while claiming the paper's properties. It is not
 * loss-preserving, and the kit must say so, naming the claim.
 */
public class CopiedBlocksTest {
    @Test
    public void aPluginThatClaimsLossPreservationWithoutItFailsTheKit() {
        for (boolean tied : new boolean[] {true, false}) {
            ConformanceKit.Report r = ConformanceKit.run(new CopyEachBlock(), 3, tied);
            assertFalse(r.passed());
            assertTrue(r.failures().stream().anyMatch(f -> f.startsWith("depth-copy claims loss-preserving, but loss "
                    + "preserved (double) failed")), r.failures().toString());
            assertTrue(r.failures().stream().anyMatch(f -> f.contains("claims loss-preserving, but loss preserved "
                    + "(float32) failed")), r.failures().toString());
        }
    }

    /** Block l of the original becomes blocks 2l and 2l+1, moments copied. */
    static final class CopyEachBlock implements GrowthOperator {
        @Override
        public String name() {
            return "depth-copy";
        }

        @Override
        public GrowthClaims claims() {
            return new GrowthClaims("x2 layers, each block copied after itself (claims what it does not do)", true,
                    true, GrowthClaims.Entries.DERIVED, ScheduleContinuation.GROWTH_TARGET);
        }

        @Override
        public ModelConfig grownConfig(ModelConfig c) {
            return c.withLayers(2 * c.nLayer());
        }

        @Override
        public TrainingState apply(TrainingState s) {
            ModelConfig grown = grownConfig(s.config());
            Map<String, INDArray> p = new LinkedHashMap<>();
            Map<String, INDArray> m = new LinkedHashMap<>();
            Map<String, INDArray> v = new LinkedHashMap<>();
            for (String name : grown.parameterShapes().keySet()) {
                int layer = DepthGrowth.layerOf(name);
                String from = layer < 0 ? name : DepthGrowth.rename(name, layer / 2);
                p.put(name, s.params().get(from).dup());
                m.put(name, s.adamM().get(from).dup());
                v.put(name, s.adamV().get(from).dup());
            }
            return new TrainingState(grown, p, m, v, s.step(), s.schedule(), s.scheduleStep());
        }
    }
}
