package org.staged.distributed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;

/**
 * A results folder on a filesystem Hadoop reaches ({@code hdfs://}, {@code s3a://} with its libraries on the class
 * path, {@code file://}), kept as a local working copy on each machine, since runs read and write plain files.
 * Files go across whole, when their size or modification time differs; the copy's time is set to the
 * original's, so an unchanged file is not sent again. A file arrives under a temporary name and is renamed.
 */
final class MirroredResults implements Serializable {
    private final String uri;
    /** Size and time of each file this copy pushed: a run pushes after every row, and most files are unchanged. */
    private transient java.util.Map<String, String> pushed;

    /** @param uri the results directory, e.g. {@code hdfs://namenode/staged/results} */
    MirroredResults(String uri) {
        this.uri = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    /** @return whether {@code results} names a folder by a URI (a scheme and {@code ://}) rather than a local path */
    static boolean remote(String results) {
        return org.staged.reproduce.pipeline.ClusterRuns.uri(results);
    }

    private synchronized java.util.Map<String, String> pushed() {
        if (pushed == null) {   // transient: each deserialized copy keeps its own record
            pushed = new java.util.concurrent.ConcurrentHashMap<>();
        }
        return pushed;
    }

    /** @return the results directory's URI */
    String uri() {
        return uri;
    }

    /**
     * @param role who works in it: {@code driver}, or an executor's id
     * @return this machine's working copy for {@code role}, under the temporary directory
     */
    Path cache(String role) {
        try {
            String id = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(uri.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
            return Path.of(System.getProperty("java.io.tmpdir"), "staged-results", role, id);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the remote path of {@code rel} under the results directory */
    org.apache.hadoop.fs.Path remotePath(String rel) {
        return new org.apache.hadoop.fs.Path(rel.isEmpty() ? uri : uri + "/" + rel);
    }

    FileSystem fs() {
        try {
            return FileSystem.get(java.net.URI.create(uri), new Configuration());
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies the files under {@code rel} that differ from the local copy, or are missing there, into it.
     *
     * @param local the working copy
     * @param rel   a folder or file under the results directory ({@code /}-separated)
     * @param skip  relative names not to copy
     */
    void pull(Path local, String rel, Predicate<String> skip) {
        FileSystem fs = fs();
        try {
            org.apache.hadoop.fs.Path from = remotePath(rel);
            if (fs.exists(from)) {
                FileStatus st = fs.getFileStatus(from);
                if (st.isDirectory()) {
                    pullFolder(fs, local, rel, skip);
                } else {
                    pullFile(fs, st, local, rel);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(remotePath(rel) + ": cannot copy to " + local + ": " + e.getMessage(), e);
        }
    }

    /** Walks a remote folder; names beginning with a dot (files being written) are passed over unread. */
    private void pullFolder(FileSystem fs, Path local, String rel, Predicate<String> skip) throws IOException {
        FileStatus[] entries;
        try {
            entries = fs.listStatus(remotePath(rel), p -> !p.getName().startsWith("."));
        } catch (java.io.FileNotFoundException gone) {
            return;
        }
        for (FileStatus f : entries) {
            String name = (rel.isEmpty() ? "" : rel + "/") + f.getPath().getName();
            if (f.isDirectory()) {
                pullFolder(fs, local, name, skip);
            } else if (!skip.test(name)) {
                pullFile(fs, f, local, name);
            }
        }
    }

    /**
     * Copies one file, unless the copy is up to date. A file another task replaces while it is read (its folder is
     * still being written) is read again once it is back, and passed over when it stays away.
     */
    private void pullFile(FileSystem fs, FileStatus f, Path local, String name) throws IOException {
        Path to = local.resolve(name);
        for (int tries = 0; ; tries++) {
            if (Files.exists(to) && Files.size(to) == f.getLen()
                    && Files.getLastModifiedTime(to).toMillis() == f.getModificationTime()) {
                return;
            }
            Files.createDirectories(to.getParent());
            Path tmp = to.resolveSibling(tmpName(to.getFileName().toString()));
            try {
                try (InputStream in = fs.open(f.getPath())) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.setLastModifiedTime(tmp, FileTime.fromMillis(f.getModificationTime()));
                Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (java.io.FileNotFoundException replaced) {
                Files.deleteIfExists(tmp);
                if (tries == 20) {
                    return;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while copying " + f.getPath());
                }
                try {
                    f = fs.getFileStatus(f.getPath());
                } catch (java.io.FileNotFoundException gone) {
                    // not back yet: the next try looks again
                }
            }
        }
    }

    /**
     * Copies the local files under {@code rel} that differ from the remote ones, or are missing there, to them.
     *
     * @param local     the working copy
     * @param rel       a folder under the results directory
     * @param recursive whether to go into sub-folders
     * @param skip      relative names not to copy
     */
    void push(Path local, String rel, boolean recursive, Predicate<String> skip) {
        Path from = rel.isEmpty() ? local : local.resolve(rel);
        if (!Files.isDirectory(from)) {
            return;
        }
        FileSystem fs = fs();
        try (Stream<Path> walk = recursive ? Files.walk(from) : Files.list(from)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                String name = local.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                if (name.endsWith(".tmp") || skip.test(name)) {
                    continue;
                }
                org.apache.hadoop.fs.Path to = remotePath(name);
                long mtime = Files.getLastModifiedTime(f).toMillis();
                String state = Files.size(f) + "@" + mtime;
                java.util.Map<String, String> pushed = pushed();
                if (state.equals(pushed.get(name))) {
                    continue;
                }
                if (fs.exists(to)) {
                    FileStatus st = fs.getFileStatus(to);
                    if (st.getLen() == Files.size(f) && st.getModificationTime() == mtime) {
                        pushed.put(name, state);
                        continue;
                    }
                }
                org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(to.getParent(), tmpName(to.getName()));
                try (OutputStream out = fs.create(tmp, true)) {
                    Files.copy(f, out);
                }
                fs.setTimes(tmp, mtime, -1);
                replace(tmp, to);
                pushed.put(name, state);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(from + ": cannot copy to " + remotePath(rel) + ": " + e.getMessage(), e);
        }
    }

    /** @return a hidden name of its own beside {@code name}, which walks pass over until it is renamed */
    private static String tmpName(String name) {
        return "." + name + "." + ProcessHandle.current().pid() + "-"
                + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp";
    }

    /** Renames {@code tmp} over {@code to} in one step (FileContext's overwriting rename; FileSystem's refuses). */
    private void replace(org.apache.hadoop.fs.Path tmp, org.apache.hadoop.fs.Path to) throws IOException {
        FileContext.getFileContext(java.net.URI.create(uri), new Configuration()).rename(tmp, to,
                Options.Rename.OVERWRITE);
    }

    /** @return the remote file {@code rel} as a place for a lease */
    Lease.Place place(String rel) {
        return new Lease.Place() {
            @Override
            public String read() {
                return MirroredResults.this.read(rel);
            }

            @Override
            public void write(String text) {
                MirroredResults.this.write(rel, text);
            }

            @Override
            public String toString() {
                return remotePath(rel).toString();
            }
        };
    }

    /** @return the text of the remote file {@code rel}, or null when there is none */
    String read(String rel) {
        FileSystem fs = fs();
        try {
            if (!fs.exists(remotePath(rel))) {
                return null;
            }
            try (InputStream in = fs.open(remotePath(rel))) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(remotePath(rel) + ": " + e.getMessage(), e);
        }
    }

    /** Replaces the remote file {@code rel} with {@code text}. */
    void write(String rel, String text) {
        FileSystem fs = fs();
        org.apache.hadoop.fs.Path to = remotePath(rel);
        org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(to.getParent(), tmpName(to.getName()));
        try {
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            replace(tmp, to);
        } catch (IOException e) {
            throw new UncheckedIOException(to + ": " + e.getMessage(), e);
        }
    }
}
