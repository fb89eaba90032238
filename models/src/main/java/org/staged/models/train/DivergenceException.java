package org.staged.models.train;

/** A run's loss or gradient became non-finite: it stops at that step, its last good checkpoint kept. */
public final class DivergenceException extends IllegalStateException {
    private final long step;

    /**
     * @param step    the step whose loss or gradient was not finite
     * @param message what was found and where the last good checkpoint is
     */
    public DivergenceException(long step, String message) {
        super(message);
        this.step = step;
    }

    /** @return the step at which the run diverged */
    public long step() {
        return step;
    }
}
