package org.staged.distributed;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.testng.annotations.Test;

/** The results folder behind a URI (Hadoop's FileSystem, here its file:// one) and its local working copies. */
public class MirroredResultsTest {

    @Test
    public void onlyUrisAreMirrored() {
        assertTrue(MirroredResults.remote("hdfs://namenode:8020/staged/results"));
        assertTrue(MirroredResults.remote("s3a://bucket/results"));
        assertTrue(MirroredResults.remote("file:///shared/results"));
        assertFalse(MirroredResults.remote("/shared/results"));
        assertFalse(MirroredResults.remote("results"));
        assertFalse(MirroredResults.remote("C:\\results"));
    }

    @Test
    public void filesGoAcrossWhenTheyDifferAndTheirTimesFollow() throws IOException {
        Path remote = Files.createTempDirectory("remote");
        MirroredResults m = new MirroredResults(remote.toUri().toString());
        Path a = Files.createTempDirectory("copy-a");
        Files.createDirectories(a.resolve("p/runs/r1"));
        Files.writeString(a.resolve("p/preset.json"), "{}");
        Files.writeString(a.resolve("p/runs/r1/log.csv"), "step\n1\n");
        Files.writeString(a.resolve("p/runs/r1/lease.json"), "mine");
        m.push(a, "p", true, Lease::named);
        assertEquals(Files.readString(remote.resolve("p/runs/r1/log.csv")), "step\n1\n");
        assertFalse(Files.exists(remote.resolve("p/runs/r1/lease.json")), "leases are not copied");

        Path b = Files.createTempDirectory("copy-b");
        m.pull(b, "p", n -> false);
        assertEquals(Files.readString(b.resolve("p/runs/r1/log.csv")), "step\n1\n");
        assertEquals(Files.getLastModifiedTime(b.resolve("p/runs/r1/log.csv")),
                Files.getLastModifiedTime(remote.resolve("p/runs/r1/log.csv")), "the copy keeps the original's time");

        // a changed file goes again; an unchanged one is not rewritten
        FileTime presetTime = Files.getLastModifiedTime(b.resolve("p/preset.json"));
        Files.writeString(a.resolve("p/runs/r1/log.csv"), "step\n1\n2\n");
        m.push(a, "p", true, Lease::named);
        Files.setLastModifiedTime(b.resolve("p/preset.json"), presetTime);
        m.pull(b, "p", n -> n.endsWith(".safetensors"));
        assertEquals(Files.readString(b.resolve("p/runs/r1/log.csv")), "step\n1\n2\n");

        // what this copy pushed and has not changed since is not sent again, nor even looked up
        FileTime marked = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(remote.resolve("p/runs/r1/log.csv"), marked);
        m.push(a, "p", true, Lease::named);
        assertEquals(Files.getLastModifiedTime(remote.resolve("p/runs/r1/log.csv")), marked);

        // only the folder's own files when not recursive
        Files.writeString(a.resolve("p/table1.md"), "| t |");
        Files.writeString(a.resolve("p/runs/r1/extra.csv"), "x");
        m.push(a, "p", false, n -> false);
        assertTrue(Files.exists(remote.resolve("p/table1.md")));
        assertFalse(Files.exists(remote.resolve("p/runs/r1/extra.csv")));
        try (var s = Files.walk(remote)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file is left");
        }
    }

    @Test
    public void aRemoteFileHoldsALease() throws IOException {
        MirroredResults m = new MirroredResults(Files.createTempDirectory("remote").toUri().toString());
        Lease.Place place = m.place("p/runs/base/seed-1/baseline/" + Lease.RUN);
        assertNull(place.read());
        place.write("one");
        place.write("two");
        assertEquals(place.read(), "two");
    }
}
