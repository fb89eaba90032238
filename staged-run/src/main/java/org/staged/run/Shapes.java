package org.staged.run;

import java.util.ArrayList;
import java.util.List;
import org.staged.api.ModelConfig;
import org.staged.api.growth.GrowthOperator;
import org.staged.api.growth.GrowthOperators;

/**
 * The original model of a growth: the shape that an operator grows into a given one. Operators only say how
 * they grow ({@link GrowthOperator#grownConfig}), so the original is found among the halvings an operator can
 * undo (width and heads, layers, or the MLP alone), checking each against the operator itself.
 */
public final class Shapes {
    private Shapes() {
    }

    /**
     * @param registry  the discovered operators
     * @param spec      operators of one growth joined by commas, applied in order (e.g. {@code depth,width})
     * @param grown     the shape after growth
     * @return the shape before growth
     * @throws IllegalArgumentException when no halving of {@code grown} is what the operators grow from
     */
    public static ModelConfig original(GrowthOperators registry, String spec, ModelConfig grown) {
        List<String> ops = GrowthOperators.splitOutsideParentheses(spec, ',');
        ModelConfig c = grown;
        for (int i = ops.size() - 1; i >= 0; i--) {
            c = undo(registry.get(ops.get(i)), c);
        }
        return c;
    }

    private static ModelConfig undo(GrowthOperator op, ModelConfig grown) {
        List<String> tried = new ArrayList<>();
        for (ModelConfig candidate : halvings(grown)) {
            if (op.whyNotApplicable(candidate).isEmpty() && op.grownConfig(candidate).equals(grown)) {
                return candidate;
            }
            tried.add("d " + candidate.dModel() + ", " + candidate.nLayer() + " layers, d_ff " + candidate.dFf());
        }
        throw new IllegalArgumentException("operator " + op.name() + " grows none of the halvings of d "
                + grown.dModel() + ", " + grown.nLayer() + " layers, " + grown.nHead() + " heads (tried " + tried + ")");
    }

    private static List<ModelConfig> halvings(ModelConfig c) {
        List<ModelConfig> out = new ArrayList<>();
        if (c.dModel() % 2 == 0 && c.nHead() % 2 == 0 && c.dFf() % 2 == 0) {
            out.add(c.withWidth(c.dModel() / 2, c.nHead() / 2, c.dFf() / 2));
        }
        if (c.nLayer() % 2 == 0) {
            out.add(c.withLayers(c.nLayer() / 2));
        }
        if (c.dFf() % 2 == 0) {
            out.add(c.withWidth(c.dModel(), c.nHead(), c.dFf() / 2));
        }
        return out;
    }
}
