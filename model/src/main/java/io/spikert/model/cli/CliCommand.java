package io.spikert.model.cli;

import io.spikert.runtime.Tuning;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One {@code spikert} subcommand. Its options are the picocli-annotated fields of the subclass (one place per
 * command: names, types, defaults, help); {@link #run} parses the argument vector into them and calls
 * {@link #execute}. Every mistake in the command line becomes a {@link UsageException} (exit status 2), with
 * picocli's suggestions for a mistyped option.
 */
abstract class CliCommand {
    private static final int USAGE_WIDTH = 110;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Prints this help and exits.")
    boolean help;

    /** Standard input (a prompt or token ids piped in); empty when the caller gives none. */
    InputStream in = InputStream.nullInputStream();
    /** Whether {@link #in} is a terminal, where nothing is read unasked. */
    boolean inIsTerminal;
    /** Where the command's results go (stdout in the CLI). */
    PrintStream out;
    /** Where progress, speed and notes go (stderr in the CLI). */
    PrintStream err;

    /** Runs with the options parsed; returns the exit status. */
    abstract int execute() throws Exception;

    final String name() {
        return commandLine().getCommandName();
    }

    /** The picocli view of this command (its options bound to this object's fields). */
    final CommandLine commandLine() {
        return new CommandLine(this).setOverwrittenOptionsAllowed(false).setUsageHelpWidth(USAGE_WIDTH);
    }

    /** The help text: synopsis, description and every option. */
    final String usage() {
        return commandLine().getUsageMessage(Help.Ansi.OFF).stripTrailing();
    }

    /** Runs with the whole argument vector ({@code argv[0]} is the subcommand) and nothing on standard input. */
    final int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        return run(argv, InputStream.nullInputStream(), false, out, err);
    }

    /**
     * Runs with the whole argument vector ({@code argv[0]} is the subcommand), standard input {@code in} (a terminal
     * when {@code inIsTerminal}); returns the exit status.
     */
    final int run(String[] argv, InputStream in, boolean inIsTerminal, PrintStream out, PrintStream err) throws Exception {
        CommandLine cl = commandLine();
        try {
            cl.parseArgs(Arrays.copyOfRange(argv, 1, argv.length));
        } catch (MissingParameterException e) {
            // picocli reports a missing required option before an unknown one; "--mdoel x" should say "did you mean
            // --model?", so parse again with every option optional to find a mistyped one first
            throw usageError(unmatchedIn(argv).orElse(e));
        } catch (ParameterException e) {
            throw usageError(e);
        }
        if (cl.isUsageHelpRequested()) {
            out.println(usage());
            return 0;
        }
        this.in = in;
        this.inIsTerminal = inIsTerminal;
        this.out = out;
        this.err = err;
        return execute();
    }

    private Optional<ParameterException> unmatchedIn(String[] argv) {
        CommandSpec all = CommandSpec.create();
        for (OptionSpec o : commandLine().getCommandSpec().options()) {
            all.addOption(o.toBuilder().required(false).build());
        }
        try {
            new CommandLine(all).parseArgs(Arrays.copyOfRange(argv, 1, argv.length));
            return Optional.empty();
        } catch (UnmatchedArgumentException u) {
            return Optional.of(u);
        } catch (ParameterException other) {
            return Optional.empty();
        }
    }

    /**
     * picocli's message, with its suggestions for a mistyped option or command. picocli suggests options sharing the
     * first two letters ({@code --logit} gives {@code --logits}); where it has none, options within two edits
     * ({@code --mdoel} gives {@code --model}) are suggested.
     */
    static UsageException usageError(ParameterException e) {
        String message = e.getMessage();
        if (e instanceof UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (suggestions.isEmpty() && !u.getUnmatched().isEmpty() && u.getCommandLine() != null) {
                String typed = u.getUnmatched().getFirst().split("=", 2)[0];
                suggestions = Suggestions.closest(typed, u.getCommandLine().getCommandSpec().optionsMap().keySet());
            }
            if (!suggestions.isEmpty()) {
                message += "; did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size()))) + "?";
            }
        }
        return new UsageException(message);
    }

    /** {@code value} or {@code fallback} when the option was not given; a usage error below {@code min}. */
    static int atLeast(String option, Integer value, int fallback, int min) {
        if (value == null) {
            return fallback;
        }
        if (value < min) {
            throw new UsageException(option + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    /** {@code value} or {@code fallback}; a usage error unless finite and >= 0. */
    static float finiteNonNegative(String option, Float value, float fallback) {
        if (value == null) {
            return fallback;
        }
        if (!Float.isFinite(value) || value < 0) {
            throw new UsageException(option + " must be a finite number >= 0, got '" + value + "'");
        }
        return value;
    }

    /** The default thread count: every processor. */
    static int threads(Integer value) {
        return atLeast("--threads", value, Runtime.getRuntime().availableProcessors(), 1);
    }

    /** The tuning switches of the JVM's system properties (docs/PERFORMANCE.md), a bad value refused by name. */
    static Tuning tuning() {
        try {
            return Tuning.fromSystemProperties();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
