package org.staged.eval.data;

/** A data file or directory that is missing or malformed; the message names the file (and line) and the fix. */
public final class DataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong and where
     */
    public DataException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong and where
     * @param cause   the underlying fault
     */
    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
