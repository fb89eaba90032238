package org.staged.reproduce.pipeline;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.staged.reproduce.ReproduceMain;
import org.testng.annotations.Test;

/** The core modules build, test and run without Spark: {@code --spark} then says what is missing. */
public class ClusterRunsTest {

    @Test
    public void sparkIsNotOnTheCoreClassPath() {
        expectThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.spark.SparkConf"));
        IllegalStateException e = expectThrows(IllegalStateException.class, ClusterRuns::find);
        assertTrue(e.getMessage().contains("staged-distributed"), e.getMessage());
    }

    @Test
    public void sparkWithoutTheDistributedModuleIsOneClearError() throws java.io.IOException {
        java.nio.file.Path results = java.nio.file.Files.createTempDirectory("results");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream was = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = ReproduceMain.run("reproduce", "--preset", "quick", "--data-dir", results.toString(), "--results",
                    results.toString(), "-q", "--spark", "local[2]");
        } finally {
            System.setErr(was);
        }
        String msg = err.toString(StandardCharsets.UTF_8);
        assertEquals(code, 1, msg);
        assertTrue(msg.startsWith("staged reproduce: error: --spark needs the staged-distributed module") && msg.strip()
                .lines().count() == 1, msg);
    }
}
