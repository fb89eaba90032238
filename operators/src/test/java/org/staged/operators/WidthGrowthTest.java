package org.staged.operators;

import org.staged.api.growth.GrowthOperator;

public class WidthGrowthTest extends GrowthOperatorConformance {
    @Override
    protected GrowthOperator operator() {
        return new WidthGrowth();
    }
}
