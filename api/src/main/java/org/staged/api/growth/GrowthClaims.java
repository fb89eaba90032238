package org.staged.api.growth;

/**
 * What a growth operator promises (paper §2.2), checked by the conformance kit.
 *
 * @param description         one line: what the operator does and whose it is
 * @param lossPreserving      Eq. 1: the grown model computes the same loss on every input
 * @param dynamicsPreserving  Eq. 5–6: the grown Adam moments equal the moments of the grown model's gradients,
 *                            so the first update after growth is the grown image of the original's
 * @param dynamicsEntries     which entries the Eq. 5–6 claim covers
 * @param schedule            how the learning-rate schedule continues by default
 */
public record GrowthClaims(String description, boolean lossPreserving, boolean dynamicsPreserving,
                           Entries dynamicsEntries, ScheduleContinuation schedule) {

    /** The entries of the grown state a dynamics claim covers. */
    public enum Entries {
        /** Every entry of every tensor. */
        ALL,
        /**
         * Every entry except the new ones: entries whose parameter or moments the operator sets to a constant
         * whatever the original state (the zero blocks of width growth, the identity blocks of depth growth).
         */
        DERIVED
    }

    /** Validates the fields. */
    public GrowthClaims {
        if (description == null || description.isBlank() || schedule == null || dynamicsEntries == null) {
            throw new IllegalArgumentException("GrowthClaims: description, dynamicsEntries and schedule must be set");
        }
    }

    /** Claims whose dynamics claim, if any, covers every entry. */
    public GrowthClaims(String description, boolean lossPreserving, boolean dynamicsPreserving,
                        ScheduleContinuation schedule) {
        this(description, lossPreserving, dynamicsPreserving, Entries.ALL, schedule);
    }

    /** @return the dynamics claim in words, e.g. "all entries", "derived entries only" or "no" */
    public String dynamicsInWords() {
        if (!dynamicsPreserving) {
            return "no";
        }
        return dynamicsEntries == Entries.ALL ? "all entries" : "derived entries (not new ones)";
    }
}
