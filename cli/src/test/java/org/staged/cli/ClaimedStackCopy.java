package org.staged.cli;

import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;
import org.staged.api.growth.GrowthClaims;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.ScheduleContinuation;
import org.staged.operators.StackCopy;

/** Gong et al.'s stack copy, claiming the loss preservation it does not have: what {@code compare} must catch. */
public final class ClaimedStackCopy implements GrowthOperator {
    private final StackCopy copy = new StackCopy();

    @Override
    public String name() {
        return "stack-copy-claimed";
    }

    @Override
    public GrowthClaims claims() {
        return new GrowthClaims("stack copy claiming loss preservation", true, false, ScheduleContinuation.KEEP);
    }

    @Override
    public ModelConfig grownConfig(ModelConfig c) {
        return copy.grownConfig(c);
    }

    @Override
    public TrainingState apply(TrainingState s) {
        return copy.apply(s);
    }
}
