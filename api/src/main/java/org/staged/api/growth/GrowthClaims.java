package org.staged.api.growth;

/**
 * What a growth operator promises (paper §2.2), checked by the conformance kit.
 *
 * @param description         one line: what the operator does and whose it is
 * @param lossPreserving      Eq. 1: the grown model computes the same loss on every input
 * @param dynamicsPreserving  Eq. 5–6: the grown Adam moments equal the moments of the grown model's gradients,
 *                            so the first update after growth is the grown image of the original's
 * @param schedule            how the learning-rate schedule continues by default
 */
public record GrowthClaims(String description, boolean lossPreserving, boolean dynamicsPreserving,
                           ScheduleContinuation schedule) {

    /** Validates the fields. */
    public GrowthClaims {
        if (description == null || description.isBlank() || schedule == null) {
            throw new IllegalArgumentException("GrowthClaims: description and schedule must be set");
        }
    }
}
