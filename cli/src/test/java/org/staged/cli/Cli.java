package org.staged.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the command line in-process with one of its streams captured. */
final class Cli {
    private Cli() {
    }

    /** @return {exit status, what the command printed on System.out} */
    static Object[] out(String... args) {
        return capture(true, args);
    }

    /** @return {exit status, what the command printed on System.err} */
    static Object[] err(String... args) {
        return capture(false, args);
    }

    private static Object[] capture(boolean stdout, String... args) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream old = stdout ? System.out : System.err;
        PrintStream now = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        try {
            if (stdout) {
                System.setOut(now);
            } else {
                System.setErr(now);
            }
            int code = StagedCli.run(args);
            return new Object[] {code, buffer.toString(StandardCharsets.UTF_8)};
        } finally {
            if (stdout) {
                System.setOut(old);
            } else {
                System.setErr(old);
            }
        }
    }
}
