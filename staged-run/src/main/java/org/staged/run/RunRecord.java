package org.staged.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import org.staged.api.AtomicFiles;
import org.staged.models.train.CheckpointException;

/** The options a run folder was started with, kept beside it so a resume cannot silently change them. */
public final class RunRecord {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunRecord() {
    }

    /**
     * Writes {@code mine} to {@code file}, or checks that the file already there holds the same.
     *
     * @param file the record, e.g. {@code stages.json}
     * @param mine the options of this invocation
     * @param what what the record holds, for the message (e.g. {@code plan})
     * @throws IllegalArgumentException naming every field that differs, with both values
     */
    public static void writeOrCompare(Path file, JsonNode mine, String what) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (Files.exists(file)) {
                JsonNode theirs = JSON.readTree(file.toFile());
                List<String> diff = new ArrayList<>();
                differences("", theirs, JSON.readTree(JSON.writeValueAsString(mine)), diff);   // as read back
                if (!diff.isEmpty()) {
                    throw new IllegalArgumentException(file.getParent() + " was started with another " + what + " ("
                            + file.getFileName() + "): " + String.join("; ", diff) + ". Resume with the same options, "
                            + "or use another output folder.");
                }
                return;
            }
            AtomicFiles.writeString(file, JSON.writeValueAsString(mine));
        } catch (IOException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isNull(JsonNode n) {
        return n == null || n.isNull();
    }

    /** Collects "path: saved X, now Y" for every leaf that differs. */
    private static void differences(String path, JsonNode saved, JsonNode now, List<String> out) {
        if (saved != null && now != null && saved.isObject() && now.isObject()) {
            TreeSet<String> keys = new TreeSet<>();
            saved.fieldNames().forEachRemaining(keys::add);
            now.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                differences(path.isEmpty() ? k : path + "." + k, saved.get(k), now.get(k), out);
            }
        } else if (saved != null && now != null && saved.isArray() && now.isArray() && saved.size() == now.size()) {
            Iterator<JsonNode> a = saved.elements();
            Iterator<JsonNode> b = now.elements();
            for (int i = 0; a.hasNext(); i++) {
                differences(path + "[" + i + "]", a.next(), b.next(), out);
            }
        } else if (isNull(saved) && isNull(now)) {
            return;   // a field added later, null when not used
        } else if (saved == null || !saved.equals(now)) {
            out.add(path + ": saved " + (saved == null ? "nothing" : saved) + ", now " + (now == null ? "nothing" : now));
        }
    }
}
