package org.staged.operators;

import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthClaims;
import org.staged.api.growth.GrowthOperator;

/**
 * The §6.3 ablation: another operator's parameters with the optimizer state reset to zero (m = v = 0, as
 * prior work did). Loss is preserved; training dynamics are not.
 */
abstract class ZeroOptimizerState implements GrowthOperator {
    private final GrowthOperator base;

    ZeroOptimizerState(GrowthOperator base) {
        this.base = base;
    }

    @Override
    public String name() {
        return base.name() + "-zero-opt";
    }

    @Override
    public GrowthClaims claims() {
        GrowthClaims b = base.claims();
        return new GrowthClaims(base.name() + " with Adam moments reset to zero (ablation, 6.3)",
                b.lossPreserving(), false, b.schedule());
    }

    @Override
    public ModelConfig grownConfig(ModelConfig original) {
        return base.grownConfig(original);
    }

    @Override
    public TrainingState apply(TrainingState original) {
        TrainingState g = base.apply(original);
        return new TrainingState(g.config(), g.params(), TrainingState.zerosLike(g.params()),
                TrainingState.zerosLike(g.params()), g.step(), g.schedule(), g.scheduleStep());
    }

    /** {@code width-zero-opt}. */
    public static final class Width extends ZeroOptimizerState {
        /** For ServiceLoader. */
        public Width() {
            super(new WidthGrowth());
        }
    }

    /** {@code depth-zero-opt}. */
    public static final class Depth extends ZeroOptimizerState {
        /** For ServiceLoader. */
        public Depth() {
            super(new DepthGrowth());
        }
    }
}
