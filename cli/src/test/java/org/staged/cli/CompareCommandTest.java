package org.staged.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.staged.reproduce.GeneratedData;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public class CompareCommandTest {
    private Path data;
    private Path preset;
    private Path results;

    @BeforeClass
    public void setUp() throws Exception {
        data = GeneratedData.withEvaluationFiles(GeneratedData.trainingText(3, 100, 150));
        preset = GeneratedData.microPreset("practical.2xD = depth");
        results = Files.createTempDirectory("results");
    }

    /** Exit status, stdout and stderr of one command. */
    private record Ran(int code, String out, String err) {
    }

    private Ran compare(String... extra) {
        List<String> args = new ArrayList<>(List.of("compare", "--preset", preset.toString(), "--data-dir",
                data.toString(), "--results", results.toString(), "--threads", "2", "-q"));
        args.addAll(List.of(extra));
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = StagedCli.run(args.toArray(new String[0]));
            return new Ran(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static Element suite(Path junit) throws Exception {
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(junit.toFile());
        assertEquals(d.getDocumentElement().getTagName(), "testsuites");
        return (Element) d.getElementsByTagName("testsuite").item(0);
    }

    private static List<String> cases(Element suite, boolean failedOnly) {
        List<String> out = new ArrayList<>();
        NodeList tcs = suite.getElementsByTagName("testcase");
        for (int i = 0; i < tcs.getLength(); i++) {
            Element tc = (Element) tcs.item(i);
            NodeList f = tc.getElementsByTagName("failure");
            if (!failedOnly || f.getLength() > 0) {
                out.add(tc.getAttribute("name") + (f.getLength() > 0 ? " => " + ((Element) f.item(0))
                        .getAttribute("message") : ""));
            }
        }
        return out;
    }

    @Test
    public void depthPassesAgainstWidthAndTheThresholdIsEnforced() throws Exception {
        Path junit = results.resolve("depth.xml");
        Ran r = compare("--op", "depth", "--against", "width", "--junit", junit.toString());
        assertEquals(r.code(), 0, r.out() + r.err());
        assertTrue(r.out().contains("| **depth** | base | 1 |") && r.out().contains("| width | base | 1 |"), r.out());
        Element s = suite(junit);
        assertEquals(s.getAttribute("failures"), "0");
        List<String> names = cases(s, false);
        assertTrue(names.contains("loss preserved (double)") && names.contains("loss preserved (base seed 1)"),
                names.toString());
        Path root = results.resolve("compare-depth-vs-width");
        List<String> csv = Files.readAllLines(root.resolve("compare.csv"));
        assertEquals(csv.get(0), "operator,candidate,target,seed,checkpoint_step,outcome,percent_saved,loss_before,"
                + "loss_after,loss_preserved,dynamics_ratio");
        assertEquals(csv.size(), 1 + 2 * 3, "two operators at three checkpoints");
        assertTrue(Files.size(root.resolve("compare.png")) > 0);
        assertTrue(Files.exists(root.resolve("runs/base/seed-1/depth-practical/growth.json")),
                "the operator's run is a staged run");

        // the same experiment (finished runs are read back) with a threshold no operator meets
        Path strict = results.resolve("strict.xml");
        Ran high = compare("--op", "depth", "--against", "width", "--min-saving", "99", "--junit", strict.toString());
        assertEquals(high.code(), 1, high.out() + high.err());
        List<String> failed = cases(suite(strict), true);
        assertEquals(failed.size(), 1, failed.toString());
        assertTrue(failed.get(0).startsWith("saving at step 40 ≥ 99.0% (base)") && (failed.get(0)
                .contains("below the threshold of 99.0%") || failed.get(0).contains("was credited no saving")),
                failed.toString());
        assertTrue(high.err().contains("FAILED saving at step 40"), high.err());
    }

    @Test
    public void anOperatorClaimingLossPreservationWithoutItFailsWithTheReason() throws Exception {
        Path junit = results.resolve("claimed.xml");
        Ran r = compare("--op", "stack-copy-claimed", "--against", "depth", "--junit", junit.toString());
        assertEquals(r.code(), 1, r.out() + r.err());
        assertTrue(r.err().contains("FAILED loss preserved (double): stack-copy-claimed claims loss-preserving, but "
                + "loss preserved (double) failed"), r.err());
        assertTrue(r.out().contains("The experiment was not run"), r.out());
        List<String> failed = cases(suite(junit), true);
        assertTrue(failed.stream().anyMatch(f -> f.startsWith("loss preserved (float32) => stack-copy-claimed claims "
                + "loss-preserving")), failed.toString());
        assertFalse(Files.exists(results.resolve("compare-stack-copy-claimed-vs-depth")), "no run was started");
    }

    @Test
    public void anUnknownOperatorIsOneClearError() {
        Ran r = compare("--op", "no-such-op");
        assertEquals(r.code(), 1);
        assertTrue(r.err().contains("no-such-op"), r.err());
    }
}
