package org.staged.api;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes files so that a crash leaves either the old file or the new one, never a half-written one: the
 * content goes to a temporary sibling, is synced to disk, and is renamed over the target. When writing fails
 * (or the content throws), the temporary file is removed and the target is left untouched.
 */
public final class AtomicFiles {
    /** Produces a file's content. */
    @FunctionalInterface
    public interface Content {
        /**
         * @param out where to write
         * @throws IOException on a write fault
         */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Replaces {@code file} with what {@code content} writes, creating parent directories.
     *
     * @param file    target
     * @param content the writer of the new content
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public static void write(Path file, Content content) {
        Path tmp = null;
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            // a name of its own, so writers of the same file in other threads or JVMs (a cluster's tasks) do not
            // collide; created as the process's files are (a temp file's owner-only mode would stick)
            tmp = parent.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
            try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
                 OutputStream out = new BufferedOutputStream(fos, 1 << 20)) {
                content.writeTo(out);
                out.flush();
                fos.getFD().sync();
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);   // e.g. content that failed a check: the old file stays as it was
            throw e;
        }
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp == null) {
            return;
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // the failure being reported matters more than a leftover temporary file
        }
    }

    /**
     * Replaces {@code file} with {@code text} in UTF-8.
     *
     * @param file target
     * @param text new content
     */
    public static void writeString(Path file, String text) {
        write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Refuses an output that would replace its own input (e.g. {@code grow --out} equal to {@code --in}).
     *
     * @param output     the file about to be written
     * @param outputName the option or role that names it, for the message
     * @param input      a file the command reads
     * @param inputName  the option or role that names it
     * @throws IllegalArgumentException when both are the same file
     */
    public static void refuseOverwrite(Path output, String outputName, Path input, String inputName) {
        if (output == null || input == null) {
            return;
        }
        boolean same = output.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize());
        try {
            same = same || (Files.exists(output) && Files.exists(input) && Files.isSameFile(output, input));
        } catch (IOException e) {
            throw new UncheckedIOException(output + ": cannot compare with " + input + ": " + e.getMessage(), e);
        }
        if (same) {
            throw new IllegalArgumentException(outputName + " " + output + " is the same file as " + inputName + " "
                    + input + ": writing it would replace the input; choose another " + outputName);
        }
    }
}
