package org.staged.reproduce.pipeline;

import java.io.Serializable;
import java.util.List;

/**
 * What a job run in another JVM tells the driver.
 *
 * @param lines   its progress lines
 * @param work    the work it trained, in {@link Progress}'s units (0 when it found its runs finished)
 * @param seconds the seconds that work took
 */
public record JobReport(List<String> lines, double work, double seconds) implements Serializable {
}
