package org.staged.reproduce;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.staged.api.AtomicFiles;
import org.staged.models.Bench;
import org.staged.reproduce.pipeline.Reproduction;
import org.staged.reproduce.preset.Preset;
import org.staged.reproduce.report.ConstantsTable;
import org.staged.reproduce.report.SavingsTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code staged reproduce}: the suite's main job. Runs a preset's baselines, original models and grown runs,
 * then writes the paper's tables under {@code results/<preset>/}; reruns skip finished runs and resume
 * interrupted ones.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a preset end to end and write its tables under results/<preset>/ (rerun to resume an "
                + "interrupted preset; finished runs are not recomputed).",
                "Presets: quick (micro models, minutes), cpu (default, under an hour on 2 cores), cpu-full (two "
                        + "targets, three seeds), gpt2-base and gpt2-large (the paper's settings, for a GPU). A "
                        + "preset is a plain file: --print-preset NAME > my.preset, edit, then --preset my.preset."})
public final class ReproduceCommand implements Callable<Integer> {
    @Option(names = "--preset", description = "built-in preset name or a preset file (default: ${DEFAULT-VALUE})")
    String preset = "cpu";
    @Option(names = "--print-preset", description = "print a built-in preset's file and exit")
    String printPreset;
    @Option(names = "--data-dir", description = "data directory (default: $STAGED_DATA_DIR, else ./data)")
    Path dataDir;
    @Option(names = "--results", description = "results directory (default: ${DEFAULT-VALUE})")
    Path results = Path.of("results");
    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();
    @Option(names = {"-q", "--quiet"}, description = "no progress bars (one line per run still)")
    boolean quiet;

    @Override
    public Integer call() {
        if (printPreset != null) {
            System.out.print(Preset.text(printPreset));
            return 0;
        }
        Preset p = Preset.load(preset);
        Bench.setThreads(threads);
        System.out.printf("reproduce %s: %s%n", p.name(), p.description());
        Reproduction r = new Reproduction(p, results, dataDir, !quiet, System.out);
        List<Reproduction.Block> blocks = r.run();
        Path dir = r.root();
        String table1 = SavingsTable.markdown(blocks, SavingsTable.VALIDATION_LOSS);
        AtomicFiles.writeString(dir.resolve("table1.md"), "# Table 1: compute saved on validation loss\n\n" + table1);
        AtomicFiles.writeString(dir.resolve("table1.csv"), SavingsTable.csv(blocks, SavingsTable.VALIDATION_LOSS));
        String table2 = SavingsTable.markdown(blocks, SavingsTable.WIKITEXT_PPL)
                + SavingsTable.markdown(blocks, SavingsTable.LAMBADA_ACCURACY);
        AtomicFiles.writeString(dir.resolve("table2.md"), "# Table 2: compute saved on zero-shot WikiText-103 "
                + "perplexity and LAMBADA accuracy\n\n" + table2);
        AtomicFiles.writeString(dir.resolve("table2-wikitext.csv"), SavingsTable.csv(blocks, SavingsTable.WIKITEXT_PPL));
        AtomicFiles.writeString(dir.resolve("table2-lambada.csv"), SavingsTable.csv(blocks, SavingsTable.LAMBADA_ACCURACY));
        String constants = ConstantsTable.markdown(blocks);
        AtomicFiles.writeString(dir.resolve("appendix-d.md"), "# Appendix D: practical schedule constants\n\n" + constants);
        System.out.println();
        System.out.println(table1);
        System.out.println(table2);
        System.out.println(constants);
        System.out.println("results in " + dir);
        return 0;
    }
}
