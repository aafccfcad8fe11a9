package io.spikert.model.cli;

import java.io.PrintStream;

/** One {@code spikert} subcommand. */
interface Command {
    String name();

    String usage();

    /** Runs with the whole argument vector ({@code argv[0]} is the subcommand); returns the exit status. */
    int run(String[] argv, PrintStream out, PrintStream err) throws Exception;
}
