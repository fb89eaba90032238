package org.staged.models.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.staged.api.AtomicFiles;

/**
 * The loss curve of a run as CSV: one row per evaluation, appended and flushed as training goes, so the
 * curve survives a crash. FLOPs are cumulative over all stages of a staged run (paper §2.2: loss vs compute).
 * The last column holds the loss of each validation batch (separated by ';'), so the uncertainty of a
 * comparison can be bootstrapped over them; logs written before it existed are read too.
 */
public final class TrainLog implements AutoCloseable {
    /** Header of the CSV file. */
    public static final String HEADER = "step,tokens,flops,train_loss,val_loss,lr,val_batch_losses";
    /** Header of logs without per-batch validation losses. */
    static final String HEADER_WITHOUT_BATCHES = "step,tokens,flops,train_loss,val_loss,lr";
    private final Path file;
    private final BufferedWriter out;

    /**
     * One row of the log.
     *
     * @param valBatches the loss of each validation batch, whose mean is {@code valLoss}; empty when not logged
     */
    public record Row(long step, long tokens, double flops, double trainLoss, double valLoss, double lr,
                      double[] valBatches) {
        /** A row without per-batch validation losses. */
        public Row(long step, long tokens, double flops, double trainLoss, double valLoss, double lr) {
            this(step, tokens, flops, trainLoss, valLoss, lr, new double[0]);
        }

        String csv() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%d,%d,%.6e,%.6f,%.6f,%.6e,", step, tokens,
                    flops, trainLoss, valLoss, lr));
            for (int i = 0; i < valBatches.length; i++) {
                b.append(i == 0 ? "" : ";").append(String.format(Locale.ROOT, "%.6f", valBatches[i]));
            }
            return b.toString();
        }

        static Row parse(String line) {
            String[] f = line.split(",", -1);
            if (f.length != 6 && f.length != 7) {
                throw new IllegalArgumentException("expected 6 or 7 fields");
            }
            double[] batches = f.length == 7 && !f[6].isEmpty()
                    ? java.util.Arrays.stream(f[6].split(";")).mapToDouble(Double::parseDouble).toArray() : new double[0];
            return new Row(Long.parseLong(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]), batches);
        }
    }

    /**
     * Opens the log for appending, first dropping rows past {@code keepUpToStep} (rows written after the
     * checkpoint a run resumes from); creates it with its header when absent.
     *
     * @param file         the CSV file
     * @param keepUpToStep last step to keep; rows beyond it are removed
     */
    public TrainLog(Path file, long keepUpToStep) {
        this.file = file;
        try {
            List<String> kept = new ArrayList<>();
            kept.add(HEADER);
            if (Files.exists(file)) {
                for (Row r : read(file, true)) {
                    if (r.step() <= keepUpToStep) {
                        kept.add(r.csv());
                    }
                }
            }
            AtomicFiles.writeString(file, String.join(System.lineSeparator(), kept) + System.lineSeparator());
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open log: " + e.getMessage(), e);
        }
    }

    /** Appends one row and flushes it. */
    public void append(Row row) {
        try {
            out.write(row.csv());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot append to log: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a log.
     *
     * @param file the CSV file
     * @return its rows
     * @throws CheckpointException naming the file and line of a malformed row
     */
    public static List<Row> read(Path file) {
        return read(file, false);
    }

    /** With {@code dropTornTail}, a malformed last line (a row cut short by a crash) is dropped. */
    private static List<Row> read(Path file, boolean dropTornTail) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !(lines.get(0).equals(HEADER) || lines.get(0).equals(HEADER_WITHOUT_BATCHES))) {
                throw new CheckpointException(file + ":1: expected header '" + HEADER + "'");
            }
            List<Row> rows = new ArrayList<>();
            for (int i = 1; i < lines.size(); i++) {
                try {
                    rows.add(Row.parse(lines.get(i)));
                } catch (RuntimeException e) {
                    if (dropTornTail && i == lines.size() - 1) {
                        break;
                    }
                    throw new CheckpointException(file + ":" + (i + 1) + ": malformed row '" + lines.get(i) + "'");
                }
            }
            return rows;
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read log: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot close log: " + e.getMessage(), e);
        }
    }
}
