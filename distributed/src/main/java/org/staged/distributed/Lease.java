package org.staged.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.staged.reproduce.pipeline.RunExecutor;

/**
 * A task attempt's claim on the folder its job writes, kept in the folder. The latest attempt takes it (Spark
 * starts a retry only once the attempt before it is lost); an attempt that finds its lease taken stops at its
 * next log row, and an attempt older than the holder does not start. A finished run is never written again
 * (its jobs read it back), so a late attempt cannot change it.
 */
final class Lease {
    static final String RUN = "lease.json";
    static final String EVALUATION = "lease-zeroshot.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Place file;
    private final Attempt me;

    /** Where a lease is kept: one file, read and replaced whole. */
    interface Place {
        /** @return the lease's text, or null when there is none */
        String read();

        /** Replaces the lease in one step. */
        void write(String text);
    }

    /** @return the name of the lease file of {@code key} in its folder */
    static String name(RunExecutor.JobKey key) {
        return key.evaluation() ? EVALUATION : RUN;
    }

    /** @return whether a file (a relative path) is a lease */
    static boolean named(String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        return file.equals(RUN) || file.equals(EVALUATION);
    }

    /** @return the lease file of {@code key} in its folder on this machine's filesystem */
    static Place in(Path folder, RunExecutor.JobKey key) {
        Path file = folder.resolve(name(key));
        return new Place() {
            @Override
            public String read() {
                try {
                    return Files.exists(file) ? Files.readString(file) : null;
                } catch (IOException e) {
                    throw new UncheckedIOException(file + ": cannot read the lease: " + e.getMessage(), e);
                }
            }

            @Override
            public void write(String text) {
                org.staged.api.AtomicFiles.writeString(file, text);
            }

            @Override
            public String toString() {
                return file.toString();
            }
        };
    }

    /**
     * One task attempt.
     *
     * @param app       the Spark application
     * @param stage     the stage (one per job)
     * @param attempt   the attempt number of the task (0, then one more per retry or speculative copy)
     * @param task      Spark's id of this attempt, unique within the application
     * @param executor  the executor's id
     * @param host      the executor's host
     */
    record Attempt(String app, int stage, int attempt, long task, String executor, String host) {
        ObjectNode json(RunExecutor.JobKey key) {
            ObjectNode n = JSON.createObjectNode();
            n.put("job", key.toString());
            n.put("app", app);
            n.put("stage", stage);
            n.put("attempt", attempt);
            n.put("task", task);
            n.put("executor", executor);
            n.put("host", host);
            return n;
        }

        String words() {
            return "task " + task + " (attempt " + attempt + ") on executor " + executor + " (" + host + ")";
        }
    }

    /** Thrown in an attempt whose lease another attempt holds: it stops before writing more. */
    static final class Lost extends IllegalStateException {
        Lost(String message) {
            super(message);
        }
    }

    private Lease(Place file, Attempt me) {
        this.file = file;
        this.me = me;
    }

    /**
     * Takes a job's lease for {@code me}.
     *
     * @param file where the job's lease is kept ({@link #in})
     * @throws Lost when a later attempt of the same task holds it
     */
    static Lease take(Place file, RunExecutor.JobKey key, Attempt me) {
        JsonNode held = read(file);
        if (held != null && held.path("app").asText().equals(me.app()) && held.path("stage").asInt() == me.stage()
                && held.path("attempt").asInt() > me.attempt()) {
            throw new Lost(file + ": held by a later attempt, " + holder(held) + "; " + me.words() + " does not start");
        }
        ObjectNode mine = me.json(key);
        mine.put("taken", Instant.now().toString());
        try {
            file.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(mine));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new Lease(file, me);
    }

    /** @throws Lost when another attempt has taken the lease since */
    void check() {
        JsonNode held = read(file);
        if (held == null || !held.path("app").asText().equals(me.app()) || held.path("task").asLong() != me.task()) {
            throw new Lost(file + ": taken over by " + (held == null ? "nobody (removed)" : holder(held)) + "; "
                    + me.words() + " stops");
        }
    }

    private static String holder(JsonNode held) {
        return "task " + held.path("task").asLong() + " (attempt " + held.path("attempt").asInt() + ") on executor "
                + held.path("executor").asText() + " (" + held.path("host").asText() + ") of application "
                + held.path("app").asText();
    }

    private static JsonNode read(Place file) {
        String text = file.read();
        if (text == null) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the lease: " + e.getMessage(), e);
        }
    }
}
