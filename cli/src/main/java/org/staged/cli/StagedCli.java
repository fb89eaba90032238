package org.staged.cli;

import org.staged.reproduce.OpenMpDefaults;
import org.staged.reproduce.ReproduceCommand;
import org.staged.reproduce.ReproduceMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code staged} command line: one program, one subcommand per job. */
@Command(name = "staged", mixinStandardHelpOptions = true, version = "staged 0.1.0",
        description = "Staged training of transformer language models (Shen et al., ICML 2022): train a small "
                + "GPT, grow its whole training state, keep training.",
        subcommands = {TrainCommand.class, GrowCommand.class, CompareCommand.class, ScheduleCommand.class, EvalCommand.class,
                BenchCommand.class,
                ReproduceCommand.class, DataCommand.class, ExportCommand.class,
                CommandLine.HelpCommand.class})
public final class StagedCli implements Runnable {

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        OpenMpDefaults.apply();
        System.exit(run(args));
    }

    /**
     * Runs the command line.
     *
     * @param args arguments
     * @return exit status: 0 success, 1 failure, 2 bad usage
     */
    public static int run(String... args) {
        return ReproduceMain.execute(new CommandLine(new StagedCli()), args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
