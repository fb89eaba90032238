package org.staged.reproduce;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Makes OpenMP threads sleep rather than spin while idle, unless the user chose otherwise. ND4J's OpenMP pool
 * and its BLAS pool share the cores; spinning threads starve the other pool (measured: training twice as slow
 * on 2 cores). The variable must be in the process environment before ND4J loads its native library, which
 * {@code mvn exec:java} gives no way to set, so it is set here through libc.
 */
public final class OpenMpDefaults {
    /** The libc function we need. */
    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    private OpenMpDefaults() {
    }

    /** Sets OMP_WAIT_POLICY=PASSIVE when unset; call before the first use of ND4J. */
    public static void apply() {
        if (System.getenv("OMP_WAIT_POLICY") != null) {
            return;
        }
        try {
            LibC c = (LibC) Native.loadLibrary("c", LibC.class);
            c.setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // not Linux/glibc: leave the default, training is only slower
        }
    }
}
