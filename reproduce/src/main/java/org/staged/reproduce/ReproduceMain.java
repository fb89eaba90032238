package org.staged.reproduce;

import org.staged.api.growth.GrowthException;
import org.staged.eval.data.DataException;
import org.staged.models.train.CheckpointException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The main job on its own ({@code mvn -pl reproduce exec:java}): the {@code reproduce} command of the
 * {@code staged} program, which the {@code cli} module builds with every other command.
 */
@Command(name = "staged", mixinStandardHelpOptions = true, version = "staged 0.1.0",
        description = "The main job of staged: reproduce the paper's tables and figures from a preset.",
        subcommands = {ReproduceCommand.class, CommandLine.HelpCommand.class})
public final class ReproduceMain implements Runnable {

    /** Runs {@code reproduce} with its options (or {@code --help}) and exits with its status. */
    public static void main(String[] args) {
        OpenMpDefaults.apply();
        System.exit(execute(new CommandLine(new ReproduceMain()), args));
    }

    /**
     * Runs a command line, reporting the suite's expected failures (bad input, missing data, a broken
     * checkpoint or operator) as one line on stderr with exit status 1 rather than a stack trace.
     *
     * @param cl   the command line
     * @param args arguments
     * @return exit status: 0 success, 1 failure, 2 bad usage
     */
    public static int execute(CommandLine cl, String... args) {
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof DataException || e instanceof CheckpointException || e instanceof IllegalArgumentException
                    || e instanceof GrowthException || e instanceof IllegalStateException) {
                cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl.execute(args);
    }

    /** @return the exit status of the main job run with {@code args} (without exiting) */
    public static int run(String... args) {
        return execute(new CommandLine(new ReproduceMain()), args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
