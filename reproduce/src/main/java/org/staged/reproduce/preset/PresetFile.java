package org.staged.reproduce.preset;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The text of a preset: {@code key = value} lines, {@code #} starts a comment, blank lines ignored. Every
 * value remembers its line, so an error names the file, the line and the key; keys nobody asked for are
 * reported too (a misspelt key must not silently fall back to a default).
 */
final class PresetFile {
    private final String name;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, Integer> lines = new LinkedHashMap<>();
    private final java.util.Set<String> used = new java.util.HashSet<>();

    private PresetFile(String name) {
        this.name = name;
    }

    static PresetFile parse(String name, String text) {
        PresetFile f = new PresetFile(name);
        String[] rows = text.split("\n", -1);
        for (int i = 0; i < rows.length; i++) {
            String line = rows[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": expected 'key = value', found '"
                        + rows[i].strip() + "'");
            }
            String key = line.substring(0, eq).strip();
            if (f.values.containsKey(key)) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": " + key + " is already set on line "
                        + f.lines.get(key));
            }
            f.values.put(key, line.substring(eq + 1).strip());
            f.lines.put(key, i + 1);
        }
        return f;
    }

    static PresetFile read(Path file) {
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read preset: " + e.getMessage(), e);
        }
    }

    static PresetFile resource(String resource, String name) {
        try (InputStream in = PresetFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(resource + ": " + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    /** Keys starting with {@code prefix}, in file order. */
    List<String> keysWithPrefix(String prefix) {
        List<String> out = new ArrayList<>();
        for (String k : values.keySet()) {
            if (k.startsWith(prefix)) {
                out.add(k);
            }
        }
        return out;
    }

    String string(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException(name + ": missing key " + key);
        }
        used.add(key);
        if (v.isEmpty()) {
            throw error(key, "a value", v);
        }
        return v;
    }

    String string(String key, String fallback) {
        return has(key) ? string(key) : fallback;
    }

    long positiveLong(String key) {
        String v = string(key);
        try {
            long x = Long.parseLong(v.replace("_", ""));
            if (x >= 1) {
                return x;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw error(key, "a whole number >= 1", v);
    }

    Integer optionalInt(String key) {
        return has(key) ? Math.toIntExact(positiveLong(key)) : null;
    }

    double positiveDouble(String key) {
        String v = string(key);
        try {
            double x = Double.parseDouble(v);
            if (x > 0 && Double.isFinite(x)) {
                return x;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw error(key, "a number > 0", v);
    }

    double fraction(String key) {
        double x = positiveDouble(key);
        if (x > 1) {
            throw error(key, "a fraction in (0, 1]", values.get(key));
        }
        return x;
    }

    List<String> list(String key) {
        List<String> out = new ArrayList<>();
        for (String part : string(key).split(",")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        if (out.isEmpty()) {
            throw error(key, "a comma-separated list", values.get(key));
        }
        return out;
    }

    List<Long> longList(String key) {
        List<Long> out = new ArrayList<>();
        for (String part : list(key)) {
            try {
                long x = Long.parseLong(part);
                if (x >= 0) {
                    out.add(x);
                    continue;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw error(key, "whole numbers separated by commas", values.get(key));
        }
        return out;
    }

    /** An error about a key's value, naming file, line and key. */
    IllegalArgumentException error(String key, String expected, String found) {
        return new IllegalArgumentException(where(key) + ": expected " + expected + ", found '" + found + "'");
    }

    String where(String key) {
        Integer line = lines.get(key);
        return name + (line != null ? ":" + line : "") + ": " + key;
    }

    /** Fails on keys that were never read: they are misspellings or leftovers. */
    void checkAllUsed() {
        TreeSet<String> unused = new TreeSet<>(values.keySet());
        unused.removeAll(used);
        if (!unused.isEmpty()) {
            String first = unused.first();
            throw new IllegalArgumentException(where(first) + ": unknown key" + (unused.size() > 1
                    ? " (also unknown: " + String.join(", ", unused.tailSet(first, false)) + ")" : ""));
        }
    }
}
