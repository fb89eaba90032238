package org.staged.operators;

import org.staged.api.growth.GrowthOperator;

public class WidthMatchedTest extends GrowthOperatorConformance {
    @Override
    protected GrowthOperator operator() {
        return new WidthGrowth(WidthGrowth.Moments.MATCHED, 1, 0);
    }
}
