package org.staged.models.train;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A one-line progress display on stderr: a redrawn bar on a terminal, a line every 10% otherwise (logs, CI).
 */
public final class ProgressBar {
    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;

    /**
     * @param label what is progressing
     * @param total units of work (steps, tokens, items)
     */
    public ProgressBar(String label, long total) {
        this(label, total, System.err, System.console() != null);
    }

    ProgressBar(String label, long total, PrintStream out, boolean terminal) {
        this.label = label;
        this.total = Math.max(1, total);
        this.out = out;
        this.terminal = terminal;
    }

    /**
     * Shows progress.
     *
     * @param done   units done so far
     * @param status short text after the bar (loss, throughput)
     */
    public void update(long done, String status) {
        long now = System.nanoTime();
        double frac = Math.min(1.0, (double) done / total);
        int decile = (int) (frac * 10);
        if (terminal ? now - lastDraw < 200_000_000L && done < total : decile == lastDecile) {
            return;
        }
        lastDraw = now;
        lastDecile = decile;
        double elapsed = (now - start) / 1e9;
        String eta = done > 0 ? format(elapsed / done * (total - done)) : "?";
        int width = 24;
        int filled = (int) Math.round(frac * width);
        String line = String.format("%s %d/%d [%s%s] %3.0f%% %s ETA %s", label, done, total, "#".repeat(filled),
                "-".repeat(width - filled), frac * 100, status, eta);
        out.print(terminal ? "\r" + line : line + System.lineSeparator());
        out.flush();
    }

    /** Ends the line on a terminal. */
    public void finish() {
        if (terminal) {
            out.println();
        }
    }

    static String format(double seconds) {
        Duration d = Duration.ofSeconds((long) seconds);
        return d.toHours() > 0 ? String.format("%dh%02dm", d.toHours(), d.toMinutesPart())
                : String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart());
    }
}
