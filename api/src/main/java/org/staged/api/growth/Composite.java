package org.staged.api.growth;

import java.util.List;
import java.util.stream.Collectors;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;

/**
 * Operators applied one after another within one stage, e.g. {@code width,width} (4× width) or
 * {@code width,depth} (depth∘width). Claims hold only when every part claims them.
 */
final class Composite implements GrowthOperator {
    private final List<GrowthOperator> parts;

    Composite(List<GrowthOperator> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a composition needs at least one operator");
        }
        this.parts = List.copyOf(parts);
    }

    @Override
    public String name() {
        return parts.stream().map(GrowthOperator::name).collect(Collectors.joining(","));
    }

    @Override
    public GrowthClaims claims() {
        boolean loss = parts.stream().allMatch(p -> p.claims().lossPreserving());
        boolean dyn = parts.stream().allMatch(p -> p.claims().dynamicsPreserving());
        boolean all = parts.stream().allMatch(p -> p.claims().dynamicsEntries() == GrowthClaims.Entries.ALL);
        String desc = parts.stream().map(GrowthOperator::name).collect(Collectors.joining(", then ", "", ""));
        return new GrowthClaims(desc, loss, dyn, all ? GrowthClaims.Entries.ALL : GrowthClaims.Entries.DERIVED,
                parts.get(parts.size() - 1).claims().schedule());
    }

    @Override
    public ModelConfig grownConfig(ModelConfig original) {
        ModelConfig c = original;
        for (GrowthOperator p : parts) {
            c = p.grownConfig(c);
        }
        return c;
    }

    @Override
    public TrainingState apply(TrainingState original) {
        TrainingState s = original;
        for (GrowthOperator p : parts) {
            s = GrowthOperators.applyChecked(p, s);
        }
        return s;
    }
}
