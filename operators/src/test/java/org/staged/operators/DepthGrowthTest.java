package org.staged.operators;

import org.staged.api.growth.GrowthOperator;

public class DepthGrowthTest extends GrowthOperatorConformance {
    @Override
    protected GrowthOperator operator() {
        return new DepthGrowth();
    }
}
