package org.staged.eval.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.staged.api.AtomicFiles;

/**
 * Fills a data directory: from a local mirror with the same layout, or from the datasets' public locations.
 * Every evaluation file is checked against the SHA-256 published for the original (bundled as
 * {@code SHA256SUMS}); each file is written to a temporary name and renamed only once its checksum matches, so
 * a failed fetch never leaves a corrupt file or spoils one already there.
 */
public final class DataFetch {
    /** Evaluation files by path in the data directory, with their published SHA-256 (bundled resource). */
    public static final Map<String, String> EVAL_SHA256 = bundledChecksums();
    /** WikiText-103 raw (Merity et al. 2016), the archive its test split comes from. */
    static final String WIKITEXT_ZIP = "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-raw-v1.zip";
    /** LAMBADA test as OpenAI distributes it for GPT-2 (one JSON object per passage). */
    static final String LAMBADA_JSONL = "https://openaipublic.blob.core.windows.net/gpt-2/data/lambada_test.jsonl";
    /** C4 English training shards (Raffel et al. 2020) as AllenAI hosts them; shard i of 1024. */
    static final String C4_SHARD = "https://huggingface.co/datasets/allenai/c4/resolve/main/en/c4-train.%05d-of-01024.json.gz";

    /**
     * Where each download comes from.
     *
     * @param wikitextZip  the WikiText-103 raw archive
     * @param lambadaJsonl LAMBADA's test passages
     * @param c4Shard      a C4 English shard, {@code %05d} for its index
     */
    public record Urls(String wikitextZip, String lambadaJsonl, String c4Shard) {
        /** The datasets' public locations. */
        public static final Urls PUBLIC = new Urls(WIKITEXT_ZIP, LAMBADA_JSONL, C4_SHARD);
    }

    private final Path root;
    private final Map<String, String> expected;
    private final Consumer<String> log;
    private final Urls urls;
    private boolean progress;

    /**
     * @param root     data directory to fill (created when missing)
     * @param expected SHA-256 by relative path of the files that must match
     * @param log      where to report each file
     */
    public DataFetch(Path root, Map<String, String> expected, Consumer<String> log) {
        this(root, expected, log, Urls.PUBLIC);
    }

    /**
     * @param root     data directory to fill (created when missing)
     * @param expected SHA-256 by relative path of the files that must match
     * @param log      where to report each file
     * @param urls     where downloads come from
     */
    public DataFetch(Path root, Map<String, String> expected, Consumer<String> log, Urls urls) {
        this.root = root;
        this.expected = Map.copyOf(expected);
        this.log = log;
        this.urls = urls;
    }

    /** Draws a progress bar (bytes, MB/s, ETA) on stderr for each download. */
    public DataFetch withProgress() {
        this.progress = true;
        return this;
    }

    /**
     * Copies the evaluation files and every training file from a mirror laid out like the data directory.
     * Training files listed in the mirror's own {@code SHA256SUMS} are checked against it.
     *
     * @param mirror the mirror's root
     * @return relative paths written
     * @throws DataException naming the file on a missing file or a checksum mismatch
     */
    public List<String> fromMirror(Path mirror) {
        if (!Files.isDirectory(mirror)) {
            throw new DataException("--from " + mirror.toAbsolutePath() + ": no such directory");
        }
        Map<String, String> sums = new LinkedHashMap<>(readChecksums(mirror.resolve("SHA256SUMS"), false));
        sums.putAll(expected);   // the published values win over the mirror's
        List<String> wanted = new ArrayList<>(expected.keySet());
        Path train = mirror.resolve("train");
        if (Files.isDirectory(train)) {
            try (Stream<Path> files = Files.walk(train)) {
                files.filter(Files::isRegularFile).map(f -> mirror.relativize(f).toString().replace('\\', '/'))
                        .sorted().forEach(wanted::add);
            } catch (IOException e) {
                throw new DataException(train + ": cannot list: " + e.getMessage(), e);
            }
        }
        List<String> written = new ArrayList<>();
        for (String rel : wanted) {
            Path src = mirror.resolve(rel);
            if (!Files.isRegularFile(src)) {
                throw new DataException("--from " + mirror + ": missing " + rel);
            }
            copyVerified(rel, () -> Files.newInputStream(src), sums.get(rel), src.toString());
            written.add(rel);
        }
        return written;
    }

    /**
     * Downloads the evaluation files and {@code c4Shards} C4 training shards from their public locations.
     *
     * @param c4Shards number of C4 English shards to fetch into {@code train/c4_en/} (about 300 MB each)
     * @return relative paths written
     */
    public List<String> download(int c4Shards) {
        List<String> written = new ArrayList<>();
        String lambada = "lambada/lambada_test.jsonl";
        copyVerified(lambada, http(urls.lambadaJsonl()), expected.get(lambada), urls.lambadaJsonl());
        written.add(lambada);
        String wiki = "wikitext/wiki.test.raw";
        Source zip = http(urls.wikitextZip());
        copyVerified(wiki, () -> zipEntry(zip.open(), "wikitext-103-raw/wiki.test.raw"), expected.get(wiki),
                urls.wikitextZip());
        written.add(wiki);
        for (int i = 0; i < c4Shards; i++) {
            String url = String.format(urls.c4Shard(), i);
            String rel = String.format("train/c4_en/c4-train.%05d-of-01024.jsonl.gz", i);   // same content: {"text": ...}
            if (Files.isRegularFile(root.resolve(rel))) {   // written whole or not at all (temporary name, then rename)
                log.accept("ok       " + rel + " (already there)");
                written.add(rel);
                continue;
            }
            copyVerified(rel, http(url), null, url);
            written.add(rel);
        }
        return written;
    }

    /**
     * Downloads one URL into {@code root/rel}, checked against {@code sha256} when given.
     *
     * @param rel    path in the data directory
     * @param url    where from
     * @param sha256 expected SHA-256, or null
     */
    public void download(String rel, String url, String sha256) {
        copyVerified(rel, http(url), sha256, url);
    }

    /** A source of bytes that may fail. */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    /**
     * An HTTP(S) download whose stream fails when the server sends fewer bytes than it announced (a transfer
     * that stops halfway must not pass for a whole file), with a progress bar when asked for.
     */
    private Source http(String url) {
        return () -> {
            java.net.URLConnection c = URI.create(url).toURL().openConnection();
            c.setConnectTimeout(30_000);
            c.setReadTimeout(120_000);
            long length = c.getContentLengthLong();
            InputStream in = c.getInputStream();
            org.staged.models.train.ProgressBar bar = progress && length > 0
                    ? new org.staged.models.train.ProgressBar(url.substring(url.lastIndexOf('/') + 1) + " bytes", length)
                    : null;
            long start = System.nanoTime();
            return new java.io.FilterInputStream(in) {
                private long read;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        read += n;
                        if (bar != null) {
                            bar.update(read, String.format(java.util.Locale.ROOT, "%.1f MB/s",
                                    read / 1e6 / ((System.nanoTime() - start) / 1e9)));
                        }
                    } else if (n < 0 && length >= 0 && read != length) {
                        throw new IOException("the transfer stopped after " + read + " of " + length + " bytes");
                    } else if (n < 0 && bar != null) {
                        bar.finish();
                    }
                    return n;
                }
            };
        };
    }

    /** Streams {@code source} into {@code root/rel} through a digest; renames only if it matches {@code sha256}. */
    void copyVerified(String rel, Source source, String sha256, String from) {
        Path target = root.resolve(rel);
        if (sha256 != null && Files.isRegularFile(target) && sha256.equals(sha256(target))) {
            log.accept("ok       " + rel + " (already there, checksum matches)");
            return;
        }
        try {
            AtomicFiles.write(target, out -> {
                MessageDigest md = newDigest();
                OutputStream d = new DigestOutputStream(out, md);   // not closed: AtomicFiles syncs and closes out
                try (InputStream in = source.open()) {
                    in.transferTo(d);
                }
                d.flush();
                String found = HexFormat.of().formatHex(md.digest());
                if (sha256 != null && !sha256.equals(found)) {
                    throw new DataException(rel + " from " + from + ": SHA-256 " + found + ", expected " + sha256
                            + "; the file was not written");
                }
            });
        } catch (UncheckedIOException e) {
            throw new DataException(rel + " from " + from + ": " + e.getCause().getMessage(), e);
        }
        log.accept((sha256 != null ? "verified " : "copied   ") + rel);
    }

    private static InputStream zipEntry(InputStream zip, String name) throws IOException {
        ZipInputStream z = new ZipInputStream(zip);
        for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
            if (e.getName().equals(name)) {
                return z;
            }
        }
        z.close();
        throw new IOException("archive has no entry " + name);
    }

    /** @return the SHA-256 of some bytes, lower-case hex */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    /** @return the SHA-256 of a file, lower-case hex */
    public static String sha256(Path file) {
        MessageDigest md = newDigest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Reads a {@code sha256sum} listing ({@code HASH  ./path} per line).
     *
     * @param file     the listing
     * @param required whether a missing listing is an error (otherwise: empty)
     * @return SHA-256 by relative path
     */
    static Map<String, String> readChecksums(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new DataException(file + ": no such checksum list");
            }
            return Map.of();
        }
        try {
            return parseChecksums(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new DataException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> parseChecksums(String text, String name) {
        Map<String, String> out = new LinkedHashMap<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+\\*?", 2);
            if (parts.length != 2 || !parts[0].matches("[0-9a-f]{64}")) {
                throw new DataException(name + ":" + (i + 1) + ": expected 'SHA256  path', found '" + line + "'");
            }
            out.put(parts[1].startsWith("./") ? parts[1].substring(2) : parts[1], parts[0]);
        }
        return out;
    }

    private static Map<String, String> bundledChecksums() {
        try (InputStream in = DataFetch.class.getResourceAsStream("SHA256SUMS")) {
            if (in == null) {
                throw new IllegalStateException("bundled SHA256SUMS resource is missing from the eval jar");
            }
            return Map.copyOf(parseChecksums(new String(in.readAllBytes(), StandardCharsets.UTF_8), "SHA256SUMS"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
