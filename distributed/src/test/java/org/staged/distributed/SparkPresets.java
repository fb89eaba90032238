package org.staged.distributed;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.staged.reproduce.GeneratedData;

/** The cut-down preset the Spark tests run, and the comparison of two results folders. */
final class SparkPresets {
    private SparkPresets() {
    }

    /** @return micro models with a manual, a practical and a two-stage run and an ablation */
    static Path micro() throws IOException {
        return GeneratedData.microPreset("manual.2xW = width", "practical.2xD = depth", "practical.2x2xW = width; width",
                "ablation.stack-copy = stack-copy", "ablations.steps_fraction = 0.2");
    }

    /** Every table (Markdown and CSV) of {@code b} equals {@code a}'s byte for byte. */
    static void assertSameTables(Path a, Path b) throws IOException {
        List<Path> tables;
        try (Stream<Path> s = Files.list(a)) {
            tables = s.filter(f -> f.toString().endsWith(".csv") || f.toString().endsWith(".md"))
                    .filter(f -> !f.getFileName().toString().equals("REPORT.md")).sorted().toList();
        }
        assertTrue(tables.size() >= 8, "tables: " + tables);
        for (Path t : tables) {
            assertEquals(Files.readString(b.resolve(t.getFileName())), Files.readString(t), t.getFileName().toString());
        }
        assertEquals(report(b), report(a), "REPORT.md but its timing");
    }

    /** @return REPORT.md without the lines that time the run */
    private static String report(Path root) throws IOException {
        return String.join("\n", Files.readAllLines(root.resolve("REPORT.md")).stream()
                .filter(l -> !l.matches("(?i).*(wall|elapsed|minutes|took).*")).toList());
    }
}
