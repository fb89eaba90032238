package org.staged.models.train;

/** A checkpoint, log or data file that cannot be read or written; the message names the file. */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the file
     */
    public CheckpointException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the file
     * @param cause   the underlying fault
     */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
