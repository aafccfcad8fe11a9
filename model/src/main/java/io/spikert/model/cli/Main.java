package io.spikert.model.cli;

import io.spikert.model.util.Terminal;
import io.spikert.runtime.VectorApi;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/** The {@code spikert} command: dispatches to a subcommand and turns every failure into a message and an exit status. */
public final class Main {
    /**
     * Fresh instances for each run: a command's options are the fields of its object. Commands of other modules
     * on the class path (the server's {@code serve}) come in through {@link ServiceLoader}.
     */
    private static final List<Supplier<CliCommand>> COMMANDS = commands(
            GenerateCommand::new, ChatCommand::new, ScoreCommand::new, TokenizeCommand::new, DetokenizeCommand::new, InspectCommand::new, DemoCommand::new,
            SpikesCommand::new, ConvertCommand::new);

    @SafeVarargs
    private static List<Supplier<CliCommand>> commands(Supplier<CliCommand>... own) {
        List<Supplier<CliCommand>> all = new ArrayList<>(List.of(own));
        for (ServiceLoader.Provider<CliCommand> p : ServiceLoader.load(CliCommand.class).stream().toList()) {
            all.add(p::get);
        }
        return List.copyOf(all);
    }

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.in, Terminal.stdinIsTerminal(), System.out, System.err));
    }

    /** Runs a command line with nothing on standard input; returns 0 on success, 2 for usage errors, 1 for failures. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        return run(argv, InputStream.nullInputStream(), false, out, err);
    }

    /**
     * Runs a command line with standard input {@code in} (read for a prompt or ids only when no other input is given
     * and {@code inIsTerminal} is false, or when asked with {@code -}); returns 0 on success, 2 for usage errors, 1 for
     * failures.
     */
    public static int run(String[] argv, InputStream in, boolean inIsTerminal, PrintStream out, PrintStream err) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            printUsage(argv.length == 0 ? err : out);
            return argv.length == 0 ? 2 : 0;
        }
        CliCommand command = COMMANDS.stream().map(Supplier::get).filter(c -> c.name().equals(argv[0])).findFirst().orElse(null);
        if (command == null) {
            err.println("spikert: unknown command '" + argv[0] + "'" + suggestion(argv[0]));
            printUsage(err);
            return 2;
        }
        try {
            VectorApi.require();
            return command.run(argv, in, inIsTerminal, out, err);
        } catch (UsageException e) {
            err.println("spikert " + command.name() + ": " + e.getMessage());
            err.println();
            err.println(command.usage());
            return 2;
        } catch (Exception | Error e) {
            err.println("spikert " + command.name() + ": " + describe(e));
            if (System.getenv("SPIKERT_DEBUG") != null) {
                e.printStackTrace(err);
            } else {
                err.println("(set SPIKERT_DEBUG=1 for a stack trace)");
            }
            return 1;
        }
    }

    /** picocli's suggestions for a mistyped command name, from a top-level command holding every subcommand. */
    private static String suggestion(String typed) {
        var top = new CommandLine(CommandLine.Model.CommandSpec.create().name("spikert"));
        for (var c : COMMANDS) {
            CliCommand command = c.get();
            top.addSubcommand(command.name(), command.commandLine());
        }
        try {
            top.parseArgs(typed);
        } catch (CommandLine.UnmatchedArgumentException e) {
            var s = e.getSuggestions();
            return s.isEmpty() ? "" : "; did you mean " + String.join(" or ", s.subList(0, Math.min(3, s.size()))) + "?";
        } catch (CommandLine.ParameterException e) {
            return "";
        }
        return "";
    }

    private static String describe(Throwable e) {
        if (e instanceof OutOfMemoryError) {
            return "out of memory: " + e.getMessage() + " (raise the heap with SPIKERT_JAVA_OPTS=-Xmx16g)";
        }
        if (e instanceof IOException io) {
            return describe(io);
        }
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = e.getClass().getSimpleName();
        }
        return msg;
    }

    /** An I/O failure as a sentence: the path(s) it concerns, then what went wrong. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() == null) {
            String where = fse.getFile() == null ? "" : fse.getFile()
                    + (fse.getOtherFile() == null ? "" : " -> " + fse.getOtherFile()) + ": ";
            return where + reason(fse);
        }
        return e.getMessage() == null || e.getMessage().isBlank() ? reason(e) : e.getMessage();
    }

    /**
     * What went wrong in words: the file system's own reason where it gave one, else the kind of failure (the JDK's
     * {@link FileSystemException}s often carry only the path, so that "spikert demo: /proc/nope" said nothing).
     */
    static String reason(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return switch (e) {
            case NoSuchFileException x -> "no such file or folder";
            case AccessDeniedException x -> "permission denied";
            case FileAlreadyExistsException x -> "something already exists there";
            case NotDirectoryException x -> "not a folder";
            case DirectoryNotEmptyException x -> "the folder is not empty";
            case FileSystemException x -> "file system error (" + x.getClass().getSimpleName() + ")";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }

    private static void printUsage(PrintStream ps) {
        ps.println("usage: spikert <command> [options]   (spikert <command> --help for every option)");
        ps.println();
        for (var c : COMMANDS) {
            CliCommand command = c.get();
            var cl = command.commandLine();
            ps.println(cl.getHelp().synopsis(0).stripTrailing());
            String[] description = cl.getCommandSpec().usageMessage().description();
            if (description.length > 0) {
                ps.println("  " + description[0].replaceAll("(.{1,110})(\\s+|$)", "$1\n  ").stripTrailing());
            }
            ps.println();
        }
    }
}
