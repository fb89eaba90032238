package org.staged.api.growth;

import java.util.Map;
import java.util.Optional;
import org.staged.api.ModelConfig;
import org.staged.api.TrainingState;

/**
 * A growth operator G(T_orig) = T_grow on the whole training state (paper §2.1): parameters, Adam moments
 * and the position on the learning-rate schedule. Implementations are plugins found by
 * {@link GrowthOperators} through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.staged.api.growth.GrowthOperator}); they need a public no-argument
 * constructor and must be stateless.
 *
 * <p>Order of use: the harness asks {@link #grownConfig} (which also says why the operator does not apply),
 * then calls {@link #apply} once per growth, then {@link #grow} places the result on the target schedule.
 * {@code apply} must return a new state and leave its argument untouched.
 */
public interface GrowthOperator {
    /** Version of this interface; a plugin built against another version is refused with its name. */
    int API_VERSION = 1;

    /** @return the unique name used on the command line, e.g. {@code width} */
    String name();

    /** @return what the operator promises, checked by the conformance kit */
    GrowthClaims claims();

    /**
     * The model shape after growth.
     *
     * @param original shape before growth
     * @return shape after growth
     * @throws IllegalArgumentException saying why the operator does not apply to {@code original}
     */
    ModelConfig grownConfig(ModelConfig original);

    /**
     * Grows parameters and Adam moments. The step counters and schedule are copied unchanged; {@link #grow}
     * moves the schedule.
     *
     * @param original the state before growth, not modified
     * @return a new state whose config is {@code grownConfig(original.config())}
     */
    TrainingState apply(TrainingState original);

    /**
     * The operator with options set, as written {@code name(key=value, key=value)} wherever an operator is
     * named (e.g. {@code width(moments=matched)}).
     *
     * @param options option names and values, as written
     * @return an operator whose {@link #name()} shows the options it was given
     * @throws IllegalArgumentException naming an unknown option or a bad value
     */
    default GrowthOperator withOptions(Map<String, String> options) {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("growth operator '" + name() + "' takes no options, found "
                    + String.join(", ", options.keySet()));
        }
        return this;
    }

    /** @return the options {@link #withOptions} accepts: name → what it does, with its default */
    default Map<String, String> options() {
        return Map.of();
    }

    /** @return the interface version this operator was built against */
    default int apiVersion() {
        return API_VERSION;
    }

    /**
     * @param original a model shape
     * @return why the operator does not apply to it, or empty when it does
     */
    default Optional<String> whyNotApplicable(ModelConfig original) {
        try {
            grownConfig(original);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Grows the state and continues its learning-rate schedule per {@code spec} ({@link GrowthSpec#place}).
     *
     * @param original the state before growth, not modified
     * @param spec     target schedule, ρ, optional continuation override
     * @return the grown state, ready to train
     */
    default TrainingState grow(TrainingState original, GrowthSpec spec) {
        return spec.place(original, apply(original), claims().schedule());
    }
}
