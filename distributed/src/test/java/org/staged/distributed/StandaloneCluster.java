package org.staged.distributed;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Spark standalone master and workers on 127.0.0.1, each its own JVM on this test's class path, as
 * {@code start-master.sh} and {@code start-worker.sh} would start them. Executors see the same class path.
 */
final class StandaloneCluster implements AutoCloseable {
    private final Process master;
    private final List<Process> workers = new ArrayList<>();
    private final List<Path> workDirs = new ArrayList<>();
    private final int port;
    private final int ui;

    private StandaloneCluster(Process master, int port, int ui) {
        this.master = master;
        this.port = port;
        this.ui = ui;
    }

    /** @return a master with {@code n} one-core workers, all registered */
    static StandaloneCluster start(int n, Path logs) throws IOException, InterruptedException {
        Path home = sparkHome();
        int port = freePort();
        int ui = freePort();
        StandaloneCluster c = new StandaloneCluster(jvm(home, logs.resolve("master.log"),
                "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(port),
                "--webui-port", String.valueOf(ui)), port, ui);
        try {
            for (int i = 0; i < n; i++) {
                Path work = Files.createDirectories(logs.resolve("worker-" + i));
                c.workDirs.add(work);
                c.workers.add(jvm(home, logs.resolve("worker-" + i + ".log"), "org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--cores", "1", "--memory", "3g", "--webui-port",
                        String.valueOf(freePort()), "--work-dir", work.toString(), c.master()));
            }
            c.awaitWorkers(n);
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** @return the master's URL */
    String master() {
        return "spark://127.0.0.1:" + port;
    }

    /** @return the ids of the executors worker {@code i} has launched (folders of its work directory) */
    List<String> executorsOf(int i) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> apps = Files.list(workDirs.get(i))) {
            for (Path app : apps.toList()) {
                try (Stream<Path> ex = Files.list(app)) {
                    ex.forEach(e -> out.add(e.getFileName().toString()));
                }
            }
        }
        return out;
    }

    /** Kills worker {@code i} and its executors at once, as a lost machine. */
    void kill(int i) throws InterruptedException {
        Process w = workers.get(i);
        w.descendants().forEach(ProcessHandle::destroyForcibly);
        w.destroyForcibly().waitFor();
    }

    private void awaitWorkers(int n) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long end = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < end) {
            try {
                String json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ui + "/json/")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (json.contains("\"aliveworkers\" : " + n) || json.contains("\"aliveworkers\":" + n)) {
                    return;
                }
            } catch (IOException notYet) {
                // the master is still starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the standalone master did not see " + n + " workers within 60 s");
    }

    /** A Spark home whose {@code jars} folder holds this class path's jars, as a Spark distribution's does. */
    private static Path sparkHome() throws IOException {
        Path home = Files.createTempDirectory("spark-home");
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String e : classPath().split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (e.endsWith(".jar") && Files.isRegularFile(p) && !Files.exists(jars.resolve(p.getFileName()))) {
                Files.createSymbolicLink(jars.resolve(p.getFileName()), p.toAbsolutePath());
            }
        }
        return home;
    }

    static String classPath() {
        return System.getProperty("java.class.path");
    }

    private static Process jvm(Path home, Path log, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", classPath()));
        cmd.addAll(opens());
        cmd.add(main);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    /** The JDK internals Spark 4 opens, as its scripts do. */
    static List<String> opens() {
        List<String> out = new ArrayList<>();
        for (String p : List.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio",
                "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch", "sun.nio.cs",
                "sun.security.action", "sun.util.calendar")) {
            out.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
        }
        out.add("-Djdk.reflect.useDirectMethodHandle=false");
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Process w : workers) {
            w.descendants().forEach(ProcessHandle::destroyForcibly);
            w.destroyForcibly();
        }
        master.destroyForcibly();
    }
}
