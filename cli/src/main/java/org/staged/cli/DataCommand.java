package org.staged.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.DataFetch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code staged data}: fill the data directory. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Manage the data directory.",
        subcommands = DataCommand.Fetch.class)
public final class DataCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** {@code staged data fetch}: copy from a mirror, or download, verifying every evaluation file's SHA-256. */
    @Command(name = "fetch", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Fill the data directory with WikiText-103 (raw test split), LAMBADA (OpenAI jsonl) and "
                    + "training text. Every evaluation file must match its published SHA-256; a file is written "
                    + "only once it does.",
                    "Without --from: downloads from the datasets' public locations (WikiText-103 raw from "
                            + "Salesforce's S3, LAMBADA from OpenAI, C4 English shards from AllenAI's copy on "
                            + "Hugging Face). With --from: copies a local mirror with the same layout."})
    static final class Fetch implements Callable<Integer> {
        @Option(names = "--from", description = "local mirror to copy from (e.g. ../shared/data)")
        Path from;
        @Option(names = "--data-dir", description = "directory to fill (default: $STAGED_DATA_DIR, else ./data)")
        Path dataDir;
        @Option(names = "--c4-shards", description = "C4 training shards to download, ~300 MB each "
                + "(default: ${DEFAULT-VALUE}; ignored with --from)")
        int c4Shards = 1;

        @Override
        public Integer call() {
            if (c4Shards < 0) {
                throw new IllegalArgumentException("--c4-shards must be >= 0, found " + c4Shards);
            }
            Path root = DataDir.target(dataDir);
            DataFetch fetch = new DataFetch(root, DataFetch.EVAL_SHA256, System.out::println);
            List<String> written = from != null ? fetch.fromMirror(from) : fetch.download(c4Shards);
            System.out.printf("%d files in %s%n", written.size(), root.toAbsolutePath());
            return 0;
        }
    }
}
