package org.staged.api.growth;

/** A growth operator that could not be loaded, failed, or broke its contract; the message names it. */
public final class GrowthException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the operator
     * @param cause   the underlying fault, or null
     */
    public GrowthException(String message, Throwable cause) {
        super(message, cause);
    }
}
