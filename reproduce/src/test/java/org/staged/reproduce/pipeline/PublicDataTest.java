package org.staged.reproduce.pipeline;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.staged.eval.data.DataException;
import org.staged.eval.data.DataFetch;
import org.staged.reproduce.preset.Preset;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** A fresh machine's data, against an HTTP server on 127.0.0.1 standing in for the public locations. */
public class PublicDataTest {
    private static final byte[] WIKI = " = Title = \n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] LAMBADA = "{\"text\": \"a b c\"}\n".getBytes(StandardCharsets.UTF_8);
    private HttpServer server;
    private DataFetch.Urls urls;
    private final AtomicInteger requests = new AtomicInteger();
    private Map<String, String> standIns;

    @BeforeClass
    public void start() throws IOException {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            z.putNextEntry(new ZipEntry("wikitext-103-raw/wiki.test.raw"));
            z.write(WIKI);
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serve("/wikitext.zip", zip.toByteArray());
        serve("/lambada.jsonl", LAMBADA);
        serve("/c4-00000.json.gz", "{\"text\": \"c4 text\"}\n".getBytes(StandardCharsets.UTF_8));
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        urls = new DataFetch.Urls(base + "/wikitext.zip", base + "/lambada.jsonl", base + "/c4-%05d.json.gz");
        standIns = Map.of("wikitext/wiki.test.raw", DataFetch.sha256Hex(WIKI), "lambada/lambada_test.jsonl",
                DataFetch.sha256Hex(LAMBADA));
    }

    private void serve(String path, byte[] body) {
        server.createContext(path, ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
    }

    @AfterClass
    public void stop() {
        server.stop(0);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    @Test
    public void withAMirrorNothingIsDownloaded() throws IOException {
        Path root = Files.createTempDirectory("data");
        Preset quick = Preset.load("quick");
        int before = requests.get();
        assertSame(PublicData.ensure(quick, root, true, urls, standIns, false, quiet()), quick);
        assertEquals(requests.get(), before);
    }

    @Test
    public void anEvaluationFileFailingItsPublishedChecksumIsNotKept() throws IOException {
        Path root = Files.createTempDirectory("data");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Exception e = expectThrows(DataException.class,
                () -> PublicData.ensure(Preset.load("quick"), root, false, urls, DataFetch.EVAL_SHA256, false,
                        new PrintStream(out)));
        assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains("the file was not written"), e.getMessage());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("fetching WikiText-103, LAMBADA and 1 C4 English shard"));
        assertFalse(Files.exists(root.resolve("lambada/lambada_test.jsonl")));
    }

    @Test
    public void withoutAMirrorThePresetTrainsOnTheC4ItFetchedAndASecondRunFetchesNothing() throws IOException {
        Path root = Files.createTempDirectory("data");
        Preset quick = Preset.load("quick");
        assertEquals(quick.data().sources(), List.of("wikipedia_en", "gutenberg_en"));
        Preset p = PublicData.ensure(quick, root, false, urls, standIns, false, quiet());
        assertEquals(p.data().sources(), List.of("c4_en"));
        assertEquals(Files.readAllBytes(root.resolve("wikitext/wiki.test.raw")), WIKI);
        assertTrue(Files.isRegularFile(root.resolve("train/c4_en/c4-train.00000-of-01024.jsonl.gz")));
        int after = requests.get();
        assertEquals(PublicData.ensure(quick, root, false, urls, standIns, false, quiet()).data().sources(),
                List.of("c4_en"));
        assertEquals(requests.get(), after, "what is there is not fetched again");
    }
}
