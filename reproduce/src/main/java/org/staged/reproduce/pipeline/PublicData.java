package org.staged.reproduce.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.DataFetch;
import org.staged.reproduce.preset.Preset;

/**
 * The data of a machine without a mirror: when neither {@code --data-dir} nor {@code STAGED_DATA_DIR} names one
 * and {@code ./data} lacks what the preset reads, WikiText-103, LAMBADA and the preset's
 * {@code data.fetch_c4_shards} C4 English shards are downloaded (evaluation files checked against their published
 * SHA-256) and the preset trains on C4, as the paper did. With a mirror nothing is downloaded.
 */
public final class PublicData {
    private PublicData() {
    }

    /**
     * @param preset   the preset
     * @param dataFlag {@code --data-dir}, or null
     * @param progress whether to draw progress bars
     * @param out      where to say what is fetched
     * @return the preset, reading C4 when that is what was fetched
     */
    public static Preset ensure(Preset preset, Path dataFlag, boolean progress, PrintStream out) {
        String env = System.getenv(DataDir.ENV);
        boolean mirror = dataFlag != null || env != null && !env.isBlank();
        return ensure(preset, DataDir.target(dataFlag), mirror, DataFetch.Urls.PUBLIC, DataFetch.EVAL_SHA256,
                progress, out);
    }

    static Preset ensure(Preset preset, Path root, boolean mirror, DataFetch.Urls urls, Map<String, String> sums,
                         boolean progress, PrintStream out) {
        int shards = preset.data().fetchC4Shards();
        boolean evalFiles = sums.keySet().stream().allMatch(f -> Files.isRegularFile(root.resolve(f)));
        if (mirror || shards == 0 || preset.data().shards() != null
                || has(root, preset.data().sources()) && evalFiles) {
            return preset;
        }
        if (has(root, preset.data().sources())) {   // the training text is there: only the evaluation files
            out.printf("%s lacks the evaluation files: fetching WikiText-103 and LAMBADA%n", root.toAbsolutePath());
            DataFetch fetch = new DataFetch(root, sums, line -> out.println("  " + line), urls);
            (progress ? fetch.withProgress() : fetch).download(0);
            return preset;
        }
        out.printf("no data mirror (--data-dir or %s) and %s lacks %s: fetching WikiText-103, LAMBADA and %d C4 "
                        + "English shard(s) from their public locations, to train on C4 as the paper did%n", DataDir.ENV,
                root.toAbsolutePath(), String.join(", ", preset.data().sources()), shards);
        DataFetch fetch = new DataFetch(root, sums, line -> out.println("  " + line), urls);
        (progress ? fetch.withProgress() : fetch).download(shards);
        return preset.withSources(List.of("c4_en"));
    }

    /** @return whether every source has a non-empty folder under {@code root/train} */
    private static boolean has(Path root, List<String> sources) {
        for (String s : sources) {
            Path dir = root.resolve("train").resolve(s);
            if (!Files.isDirectory(dir)) {
                return false;
            }
            try (Stream<Path> files = Files.list(dir)) {
                if (files.findAny().isEmpty()) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
