package org.staged.reproduce.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.staged.eval.data.DataException;

/** The suite's CSV tables, written and read with Jackson's CSV module: a header row, then one row per record. */
public final class CsvTable {
    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING)
            .build();   // quotes only what needs quoting

    private CsvTable() {
    }

    /**
     * @param header column names
     * @param rows   values, one list per row, in the header's order
     * @return the CSV text
     */
    public static String write(List<String> header, List<? extends List<?>> rows) {
        CsvSchema schema = CsvSchema.builder().addColumns(header, CsvSchema.ColumnType.STRING).build().withHeader();
        try {
            return CSV.writer(schema).writeValueAsString(rows);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("CSV: " + e.getMessage(), e);
        }
    }

    /**
     * @param file     a CSV file with a header row
     * @param required columns every row must have
     * @return the rows by column name
     * @throws DataException naming the file (and line) when it cannot be read or a column is missing
     */
    public static List<Map<String, String>> read(Path file, List<String> required) {
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        List<Map<String, String>> out = new ArrayList<>();
        try (MappingIterator<Map<String, String>> it = CSV.readerFor(Map.class).with(schema).readValues(file.toFile())) {
            while (it.hasNextValue()) {
                int line = it.getCurrentLocation().getLineNr();
                Map<String, String> row = it.nextValue();
                for (String c : required) {
                    if (row.get(c) == null || row.get(c).isEmpty()) {
                        throw new DataException(file + ":" + line + ": no value for column '" + c + "'");
                    }
                }
                out.add(row);
            }
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage(), e);
        }
        return out;
    }
}
