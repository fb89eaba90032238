package org.staged.run;

import java.util.ArrayList;
import java.util.List;
import org.staged.api.ModelConfig;
import org.staged.api.growth.GrowthOperators;
import org.staged.schedule.PracticalConstants;

/**
 * What a staged run grows and when: the shape of each stage (the original first, the target last), the
 * growth between consecutive stages with its τ_G and ρ (Eq. 8–9), and τ_opt for the last stage.
 *
 * @param stages  the stages as given, e.g. {@code width; depth}
 * @param shapes  the model of each stage, one more than the growths
 * @param growths the growths, in order
 * @param tauOpt  τ_opt: the last stage stops once its slope is no steeper (NaN: never, only at the budget)
 * @param source  where the constants come from, for the record
 */
public record Plan(String stages, List<ModelConfig> shapes, List<Growth> growths, double tauOpt, String source) {

    /**
     * One growth.
     *
     * @param spec      operators of this growth, e.g. {@code depth} or {@code width(moments=matched),depth}
     * @param kind      which dimensions it changes: width, depth or depth,width (its Appendix D constants' key)
     * @param tauGrowth τ_G: grow once the slope of the stage before it is no steeper
     * @param rho       ρ: continue at step ρ·S of the target's schedule
     */
    public record Growth(String spec, String kind, double tauGrowth, double rho) {
    }

    /** Validates the plan. */
    public Plan {
        if (shapes.size() != growths.size() + 1) {
            throw new IllegalArgumentException("Plan: " + shapes.size() + " shapes for " + growths.size() + " growths");
        }
        for (Growth g : growths) {
            if (!(g.tauGrowth() < 0) || !(g.rho() > 0)) {
                throw new IllegalArgumentException("Plan: growth '" + g.spec() + "' needs τ_G < 0 and ρ > 0, found "
                        + g.tauGrowth() + " and " + g.rho());
            }
        }
        if (!Double.isNaN(tauOpt) && !(tauOpt < 0)) {
            throw new IllegalArgumentException("Plan: τ_opt must be < 0 (or none), found " + tauOpt);
        }
        shapes = List.copyOf(shapes);
        growths = List.copyOf(growths);
    }

    /**
     * Builds a plan that ends at {@code target}.
     *
     * @param registry  the discovered operators
     * @param target    the last stage's model
     * @param stages    growths separated by ';', operators of one growth by ',' (e.g. {@code width; depth})
     * @param constants τ_G and ρ by operator spec or kind, and τ_opt
     * @param source    where the constants come from
     * @return the plan
     * @throws IllegalArgumentException naming the stage an operator cannot grow into, or the missing constant
     */
    public static Plan of(GrowthOperators registry, ModelConfig target, String stages, PracticalConstants constants,
                          String source) {
        List<String> specs = GrowthOperators.splitOutsideParentheses(stages, ';').stream().map(String::trim).toList();
        if (specs.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("--stages '" + stages + "': an empty stage");
        }
        ModelConfig[] shapes = new ModelConfig[specs.size() + 1];
        shapes[specs.size()] = target;
        for (int k = specs.size() - 1; k >= 0; k--) {
            registry.stage(specs.get(k));   // names an unknown operator before anything else
            shapes[k] = Shapes.original(registry, specs.get(k), shapes[k + 1]);
        }
        List<Growth> growths = new ArrayList<>();
        for (int k = 0; k < specs.size(); k++) {
            String spec = specs.get(k);
            String kind = kind(shapes[k], shapes[k + 1]);
            String key = constants.tauGrowth().containsKey(spec) && constants.rho().containsKey(spec) ? spec : kind;
            growths.add(new Growth(spec, kind, constants.tauGrowth(key), constants.rho(key)));
        }
        return new Plan(String.join("; ", specs), List.of(shapes), growths, constants.tauOpt(), source);
    }

    /** @return width, depth or depth,width: which dimensions a growth changes (its practical constants' key) */
    public static String kind(ModelConfig from, ModelConfig to) {
        boolean wider = to.dModel() != from.dModel() || to.dFf() != from.dFf();
        boolean deeper = to.nLayer() != from.nLayer();
        return wider && deeper ? "depth,width" : deeper ? "depth" : "width";
    }

    /** @return the number of stages */
    public int size() {
        return shapes.size();
    }
}
