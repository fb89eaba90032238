package com.example.growth;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.staged.api.growth.GrowthOperator;
import org.staged.operators.GrowthOperatorConformance;
import org.staged.cli.StagedCli;
import org.staged.reproduce.GeneratedData;
import org.testng.annotations.Test;

/** The plugin passes the suite's conformance contract and shows up in the command line, unchanged. */
public class AppendIdentityBlocksTest extends GrowthOperatorConformance {
    @Override
    protected GrowthOperator operator() {
        return new AppendIdentityBlocks();
    }

    @Test
    public void appearsInGrowListAndCheck() {
        String list = run("grow", "list");
        assertTrue(list.contains("| depth-append | yes | derived entries (not new ones) |"), list);
        String check = run("grow", "check", "--op", "depth-append");
        assertTrue(check.contains("| depth-append | loss preserved (double) | yes | pass |"), check);
        assertTrue(check.contains("| depth-append | 0.0e+00 | attention |"), "per-group table: " + check);
    }

    @Test
    public void comparesAgainstDepthInItsOwnBuild() throws Exception {
        Path data = GeneratedData.withEvaluationFiles(GeneratedData.trainingText(3, 100, 150));
        Path junit = Path.of("target", "compare-depth-append.xml");
        String out = run("compare", "--op", "depth-append", "--against", "depth", "--preset",
                GeneratedData.microPreset("practical.2xD = depth").toString(), "--data-dir", data.toString(),
                "--results", Files.createTempDirectory("results").toString(), "--junit", junit.toString(), "-q");
        assertTrue(out.contains("| **depth-append** | base | 1 |"), out);
        String xml = Files.readString(junit);
        assertTrue(xml.contains("<testsuite") && xml.contains("failures=\"0\"")
                && xml.contains("name=\"loss preserved (base seed 1)\""), xml);
    }

    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(StagedCli.run(args), 0);
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
