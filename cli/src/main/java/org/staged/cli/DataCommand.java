package org.staged.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.staged.eval.data.DataDir;
import org.staged.eval.data.ShardPreparer;
import org.staged.eval.data.DataFetch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code staged data}: fill the data directory. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Manage the data directory.",
        subcommands = {DataCommand.Fetch.class, DataCommand.Prepare.class})
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

    /** {@code staged data prepare}: tokenize training sources once into token shards. */
    @Command(name = "prepare", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Tokenize training sources once into a folder of token shards in llm.c's layout "
                    + "(train_NNNNNN.bin, a held-out val_000000.bin, shards.json), for train --shards.",
                    "Folders written by llm.c's data scripts (FineWeb, TinyStories, ...) load as they are."})
    static final class Prepare implements Callable<Integer> {
        @Option(names = "--tokenizer", description = "byte, gpt2 or bpe:N (default: ${DEFAULT-VALUE})")
        String tokenizer = "gpt2";
        @Option(names = "--sources", split = ",", description = "training sources under train/ "
                + "(default: ${DEFAULT-VALUE})")
        List<String> sources = List.of("wikipedia_en", "gutenberg_en");
        @Option(names = {"-o", "--out"}, required = true, description = "folder to create")
        Path out;
        @Option(names = "--data-dir", description = "data directory (default: $STAGED_DATA_DIR, else ./data)")
        Path dataDir;
        @Option(names = "--shard-tokens", description = "tokens per training shard (default: ${DEFAULT-VALUE})")
        long shardTokens = 50_000_000;
        @Option(names = "--val-tokens", description = "tokens held out for validation, whole documents from the "
                + "start (default: ${DEFAULT-VALUE})")
        long valTokens = 1_000_000;
        @Option(names = "--max-chars", description = "characters to read over all sources (default: all)")
        long maxChars = 0;
        @Option(names = "--bpe-chars", description = "characters a bpe:N tokenizer is trained on "
                + "(default: ${DEFAULT-VALUE})")
        long bpeChars = 8_000_000;
        @Option(names = {"-q", "--quiet"}, description = "no progress bar")
        boolean quiet;

        @Override
        public Integer call() {
            ShardPreparer.Summary s = new ShardPreparer(DataDir.resolve(dataDir), sources, tokenizer, shardTokens,
                    valTokens, maxChars, bpeChars, !quiet).prepare(out);
            System.out.printf(java.util.Locale.ROOT, "%,d characters → %,d training tokens in %d shard(s) and %,d "
                            + "validation tokens in %s (%.1f s, %.1f MB/s)%n", s.chars(), s.trainTokens(), s.shards(),
                    s.valTokens(), s.dir(), s.seconds(), s.mbPerSecond());
            return 0;
        }
    }
}
