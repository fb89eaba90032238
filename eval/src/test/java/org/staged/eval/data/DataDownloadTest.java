package org.staged.eval.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** Downloads against an HTTP server on 127.0.0.1: a good file, a wrong checksum, a transfer that stops halfway. */
public class DataDownloadTest {
    private static final byte[] LAMBADA = "{\"text\": \"the dog ran to its log\"}\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] C4 = "{\"text\": \"a shard of c4\"}\n".getBytes(StandardCharsets.UTF_8);
    private HttpServer server;
    private java.net.ServerSocket halfway;
    private String base;
    private byte[] wikiZip;

    @BeforeClass
    public void start() throws IOException {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            z.putNextEntry(new ZipEntry("wikitext-103-raw/wiki.test.raw"));
            z.write(" = Title = \n the cat sat .\n".getBytes(StandardCharsets.UTF_8));
        }
        wikiZip = zip.toByteArray();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serve("/lambada.jsonl", LAMBADA, LAMBADA.length);
        serve("/wikitext.zip", wikiZip, wikiZip.length);
        serve("/c4-00000.json.gz", C4, C4.length);
        serve("/c4-00001.json.gz", C4, C4.length);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        halfway = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
        Thread t = new Thread(this::serveHalfway, "halfway");
        t.setDaemon(true);
        t.start();
    }

    /** Announces twice the bytes it sends, then closes the connection: a transfer that stops halfway. */
    private void serveHalfway() {
        while (!halfway.isClosed()) {
            try (java.net.Socket s = halfway.accept()) {
                s.getInputStream().read(new byte[4096]);   // the request
                OutputStream o = s.getOutputStream();
                o.write(("HTTP/1.1 200 OK\r\nContent-Length: " + 2 * LAMBADA.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                o.write(LAMBADA);
                o.flush();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(String path, byte[] body, long announced) {
        server.createContext(path, ex -> {
            ex.sendResponseHeaders(200, announced);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
                o.flush();
            }
            ex.close();
        });
    }

    @AfterClass
    public void stop() throws IOException {
        server.stop(0);
        halfway.close();
    }

    private Map<String, String> sums() {
        return Map.of("lambada/lambada_test.jsonl", DataFetch.sha256Hex(LAMBADA),
                "wikitext/wiki.test.raw", DataFetch.sha256Hex(" = Title = \n the cat sat .\n".getBytes(StandardCharsets.UTF_8)));
    }

    private DataFetch fetch(Path root, Map<String, String> sums) {
        return new DataFetch(root, sums, line -> { }, new DataFetch.Urls(base + "/wikitext.zip", base + "/lambada.jsonl",
                base + "/c4-%05d.json.gz"));
    }

    @Test
    public void goodFilesAreDownloadedVerifiedAndLaidOutForThePreset() throws IOException {
        Path root = Files.createTempDirectory("data");
        List<String> written = fetch(root, sums()).download(2);
        assertEquals(written, List.of("lambada/lambada_test.jsonl", "wikitext/wiki.test.raw",
                "train/c4_en/c4-train.00000-of-01024.jsonl.gz", "train/c4_en/c4-train.00001-of-01024.jsonl.gz"));
        assertEquals(Files.readAllBytes(root.resolve("lambada/lambada_test.jsonl")), LAMBADA);
        assertEquals(new DataDir(root).trainFiles("c4_en").size(), 2);
        assertEquals(leftovers(root), List.of(), "no temporary files");
    }

    @Test
    public void aWrongChecksumLeavesNothing() throws IOException {
        Path root = Files.createTempDirectory("data");
        Map<String, String> wrong = Map.of("lambada/lambada_test.jsonl", "0".repeat(64),
                "wikitext/wiki.test.raw", sums().get("wikitext/wiki.test.raw"));
        DataException e = expectThrows(DataException.class, () -> fetch(root, wrong).download(0));
        assertTrue(e.getMessage().startsWith("lambada/lambada_test.jsonl from " + base + "/lambada.jsonl: SHA-256 ")
                && e.getMessage().contains("the file was not written"), e.getMessage());
        assertFalse(Files.exists(root.resolve("lambada/lambada_test.jsonl")));
        assertEquals(leftovers(root), List.of());
    }

    @Test
    public void aTransferThatStopsHalfwayLeavesNothing() throws IOException {
        Path root = Files.createTempDirectory("data");
        DataException e = expectThrows(DataException.class,
                () -> fetch(root, sums()).download("train/c4_en/half.jsonl", halfwayUrl(), null));
        assertTrue(e.getMessage().startsWith("train/c4_en/half.jsonl from " + halfwayUrl()), e.getMessage());
        assertFalse(Files.exists(root.resolve("train/c4_en/half.jsonl")));
        assertEquals(leftovers(root), List.of());
    }

    private String halfwayUrl() {
        return "http://127.0.0.1:" + halfway.getLocalPort() + "/half.jsonl";
    }

    /** Every regular file under {@code root}: what a failed download must not leave. */
    private static List<String> leftovers(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString())
                    .filter(p -> !p.startsWith("lambada/") && !p.startsWith("wikitext/") && !p.startsWith("train/c4_en/c4-"))
                    .toList();
        }
    }
}
