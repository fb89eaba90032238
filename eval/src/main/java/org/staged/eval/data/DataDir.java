package org.staged.eval.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The data directory: from {@code --data-dir}, else the {@code STAGED_DATA_DIR} environment variable, else
 * {@code data/} in the working directory. Layout (as in the shared data README): {@code train/<source>/*.jsonl.gz},
 * {@code wikitext/wiki.test.raw}, {@code lambada/lambada_test.jsonl}.
 *
 * @param root the directory
 */
public record DataDir(Path root) {
    /** Environment variable naming the data directory. */
    public static final String ENV = "STAGED_DATA_DIR";
    /** What to do about missing data, for every error that reports it. */
    public static final String HOW_TO_FILL = "run 'bin/staged data fetch' (or 'bin/staged data fetch --from MIRROR' to "
            + "copy a local copy such as ../shared/data), or point --data-dir or " + ENV + " at a filled directory";

    /**
     * Resolves and checks the data directory.
     *
     * @param flag value of {@code --data-dir}, or null
     * @return the data directory
     * @throws DataException when it does not exist, saying how to set it
     */
    public static DataDir resolve(Path flag) {
        Path root = target(flag);
        if (!Files.isDirectory(root)) {
            throw new DataException("data directory " + root.toAbsolutePath() + " does not exist; " + HOW_TO_FILL);
        }
        return new DataDir(root);
    }

    /**
     * Where the data directory is, whether or not it exists yet.
     *
     * @param flag value of {@code --data-dir}, or null
     * @return the flag, else {@code $STAGED_DATA_DIR}, else {@code data}
     */
    public static Path target(Path flag) {
        String env = System.getenv(ENV);
        return flag != null ? flag : env != null && !env.isBlank() ? Path.of(env) : Path.of("data");
    }

    /**
     * Training files of one source, sorted by name.
     *
     * @param source a folder under {@code train/}, e.g. {@code wikipedia_en}
     * @return its {@code .jsonl.gz}, {@code .jsonl} and {@code .txt} files
     * @throws DataException when the folder is missing or empty
     */
    public List<Path> trainFiles(String source) {
        Path dir = root.resolve("train").resolve(source);
        if (!Files.isDirectory(dir)) {
            throw new DataException("training source " + dir + " does not exist; known sources are the folders of "
                    + root.resolve("train"));
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".jsonl.gz") || n.endsWith(".jsonl") || n.endsWith(".txt");
            }).sorted().toList();
            if (files.isEmpty()) {
                throw new DataException("training source " + dir + " holds no .jsonl.gz, .jsonl or .txt file");
            }
            return files;
        } catch (IOException e) {
            throw new DataException(dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    /**
     * A required file under the data directory.
     *
     * @param relative path relative to the root
     * @return the file
     * @throws DataException naming the file and how to point at another data directory
     */
    public Path require(String relative) {
        Path f = root.resolve(relative);
        if (!Files.isRegularFile(f)) {
            throw new DataException("missing data file " + f.toAbsolutePath() + "; " + HOW_TO_FILL);
        }
        return f;
    }
}
