package org.staged.operators;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;
import org.staged.operators.kit.ConformanceKit;
import org.testng.annotations.Test;

/**
 * The conformance contract every growth operator's test extends (third-party plugins too, through this
 * module's test-jar): the operator is discoverable by name and meets its claims on random models.
 */
public abstract class GrowthOperatorConformance {
    /** @return a fresh instance of the operator under test */
    protected abstract GrowthOperator operator();

    @Test
    public void meetsItsClaims() {
        for (boolean tied : new boolean[] {true, false}) {
            ConformanceKit.Report r = ConformanceKit.run(operator(), tied ? 1 : 2, tied);
            StringBuilder table = new StringBuilder();
            r.checks().forEach(c -> table.append("\n  ").append(c.passed() ? "ok   " : "FAIL ").append(c.name())
                    .append(": ").append(c.figure()));
            assertTrue(r.passed(), String.join("; ", r.failures()) + table);
        }
    }

    @Test
    public void isDiscoveredByName() {
        GrowthOperator op = operator();
        assertEquals(GrowthOperators.discover().get(op.name()).getClass(), op.getClass());
    }
}
