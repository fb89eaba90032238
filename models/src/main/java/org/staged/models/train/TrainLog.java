package org.staged.models.train;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.staged.api.AtomicFiles;

/**
 * The loss curve of a run as CSV: one row per evaluation, appended and flushed as training goes, so the
 * curve survives a crash. A staged run logs every stage in one file: the {@code stage} column says which,
 * steps and FLOPs are cumulative over all stages (paper §2.2: loss vs compute). The last column holds the
 * loss of each validation batch (separated by ';'), so the uncertainty of a comparison can be bootstrapped
 * over them. Columns are found by the header's names, so logs written before a column existed are read too.
 */
public final class TrainLog implements AutoCloseable {
    /** Header of the CSV file. */
    public static final String HEADER = "stage,step,tokens,flops,train_loss,val_loss,lr,val_batch_losses";
    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING)
            .build();   // quotes only what needs quoting
    private static final CsvSchema SCHEMA = CsvSchema.builder().addColumns(List.of(HEADER.split(",")),
            CsvSchema.ColumnType.STRING).build();
    private static final List<String> REQUIRED = List.of("step", "tokens", "flops", "train_loss", "val_loss", "lr");
    private final Path file;
    private final SequenceWriter out;

    /**
     * One row of the log.
     *
     * @param stage      stage of a staged run, from 1 (1 for a single-stage run)
     * @param valBatches the loss of each validation batch, whose mean is {@code valLoss}; empty when not logged
     */
    public record Row(int stage, long step, long tokens, double flops, double trainLoss, double valLoss, double lr,
                      double[] valBatches) {
        /** A row of a single-stage run. */
        public Row(long step, long tokens, double flops, double trainLoss, double valLoss, double lr,
                   double[] valBatches) {
            this(1, step, tokens, flops, trainLoss, valLoss, lr, valBatches);
        }

        /** A row of a single-stage run without per-batch validation losses. */
        public Row(long step, long tokens, double flops, double trainLoss, double valLoss, double lr) {
            this(1, step, tokens, flops, trainLoss, valLoss, lr, new double[0]);
        }

        /** @return this row as the log holds it (numbers rounded as written), what a resumed run reads back */
        public Row logged() {
            return of(fields());
        }

        private Map<String, String> fields() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("stage", Integer.toString(stage));
            m.put("step", Long.toString(step));
            m.put("tokens", Long.toString(tokens));
            m.put("flops", String.format(Locale.ROOT, "%.6e", flops));
            m.put("train_loss", String.format(Locale.ROOT, "%.6f", trainLoss));
            m.put("val_loss", String.format(Locale.ROOT, "%.6f", valLoss));
            m.put("lr", String.format(Locale.ROOT, "%.6e", lr));
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < valBatches.length; i++) {
                b.append(i == 0 ? "" : ";").append(String.format(Locale.ROOT, "%.6f", valBatches[i]));
            }
            m.put("val_batch_losses", b.toString());
            return m;
        }

        private static Row of(Map<String, String> f) {
            for (String c : REQUIRED) {
                if (f.get(c) == null || f.get(c).isEmpty()) {
                    throw new IllegalArgumentException("no " + c);
                }
            }
            String b = f.getOrDefault("val_batch_losses", "");
            double[] batches = b == null || b.isEmpty() ? new double[0]
                    : Arrays.stream(b.split(";")).mapToDouble(Double::parseDouble).toArray();
            String stage = f.get("stage");
            return new Row(stage == null || stage.isEmpty() ? 1 : Integer.parseInt(stage), Long.parseLong(f.get("step")),
                    Long.parseLong(f.get("tokens")), Double.parseDouble(f.get("flops")),
                    Double.parseDouble(f.get("train_loss")), Double.parseDouble(f.get("val_loss")),
                    Double.parseDouble(f.get("lr")), batches);
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
            List<Map<String, String>> kept = new ArrayList<>();
            if (Files.exists(file)) {
                for (Row r : read(file, true)) {
                    if (r.step() <= keepUpToStep) {
                        kept.add(r.fields());
                    }
                }
            }
            AtomicFiles.writeString(file, HEADER + "\n" + CSV.writer(SCHEMA).writeValueAsString(kept));
            out = CSV.writer(SCHEMA).writeValues(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open log: " + e.getMessage(), e);
        }
    }

    /** Appends one row and flushes it. */
    public void append(Row row) {
        try {
            out.write(row.fields());
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
        List<Map<String, String>> records;
        List<String> columns;
        try (MappingIterator<Map<String, String>> it = CSV.readerFor(Map.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
            records = it.readAll();
            columns = ((CsvSchema) it.getParserSchema()).getColumnNames();
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": cannot read log: " + e.getMessage(), e);
        }
        if (!columns.containsAll(REQUIRED)) {
            throw new CheckpointException(file + ":1: expected header '" + HEADER + "', found " + columns);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            try {
                rows.add(Row.of(records.get(i)));
            } catch (RuntimeException e) {
                if (dropTornTail && i == records.size() - 1) {
                    break;
                }
                throw new CheckpointException(file + ":" + (i + 2) + ": malformed row " + records.get(i).values());
            }
        }
        return rows;
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
