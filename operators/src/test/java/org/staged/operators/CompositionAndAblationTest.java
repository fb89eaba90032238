package org.staged.operators;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.util.List;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.operators.kit.ConformanceKit;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class CompositionAndAblationTest {
    private final GrowthOperators registry = GrowthOperators.discover();

    @DataProvider
    public Object[][] compositions() {
        return new Object[][] {{"width,width"}, {"width,depth"}, {"depth,width"}, {"depth,depth"}};
    }

    @Test(dataProvider = "compositions")
    public void compositionsMeetTheirClaims(String spec) {
        GrowthOperator op = registry.stage(spec);
        assertEquals(op.name(), spec);
        assertTrue(op.claims().lossPreserving() && op.claims().dynamicsPreserving());
        ConformanceKit.Report r = ConformanceKit.run(op, 3, false);
        assertTrue(r.passed(), String.join("; ", r.failures()));
    }

    @Test
    public void stagesAreSplitBySemicolons() {
        List<GrowthOperator> plan = registry.stages("width;width,depth");
        assertEquals(plan.size(), 2);
        assertEquals(plan.get(1).name(), "width,depth");
    }

    @DataProvider
    public Object[][] zeroOpt() {
        return new Object[][] {{"width-zero-opt"}, {"depth-zero-opt"}};
    }

    @Test(dataProvider = "zeroOpt")
    public void zeroOptimizerStatePreservesLossButNotDynamics(String name) {
        GrowthOperator op = registry.get(name);
        assertTrue(op.claims().lossPreserving());
        assertFalse(op.claims().dynamicsPreserving());
        ConformanceKit.Report r = ConformanceKit.run(op, 4, true);
        assertTrue(r.passed(), String.join("; ", r.failures()));
        ConformanceKit.Check eq5 = r.checks().stream().filter(c -> c.name().startsWith("Eq. 5")
                && c.name().endsWith("on new entries")).findFirst().get();
        assertFalse(eq5.passed(), "zeroed moments cannot match the gradients: " + eq5.figure());
        assertTrue(eq5.figure().contains("max error 1.00e+00"), eq5.figure());
    }
}
