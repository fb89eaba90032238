package org.staged.operators;

import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.operators.kit.ConformanceKit;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class PriorWorkTest {
    @DataProvider
    public Object[][] priorWork() {
        return new Object[][] {{"stack-copy"}, {"ffn-share"}, {"tile"}};
    }

    @Test(dataProvider = "priorWork")
    public void theKitShowsPriorWorkIsNotLossPreserving(String name) {
        GrowthOperator op = GrowthOperators.discover().get(name);
        assertFalse(op.claims().lossPreserving());
        ConformanceKit.Report r = ConformanceKit.run(op, 5, true);
        assertTrue(r.passed(), "claims nothing it fails: " + r.failures());
        ConformanceKit.Check loss = r.checks().stream().filter(c -> c.name().equals("loss preserved (double)"))
                .findFirst().orElseThrow();
        assertFalse(loss.passed(), name + " should change the loss: " + loss.figure());
        double rel = Double.parseDouble(loss.figure().replaceAll(".*= ", ""));
        assertTrue(rel > 1e-3, name + ": relative loss change only " + rel);
    }
}
