package io.spikert.model.cli;

import io.spikert.runtime.VectorApi;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;

/** The {@code spikert} command: dispatches to a subcommand and turns every failure into a message and an exit status. */
public final class Main {
    private static final List<Command> COMMANDS = List.of(
            new GenerateCommand(), new ScoreCommand(), new TokenizeCommand(), new InspectCommand(), new DemoCommand(),
            new SpikesCommand(), new ConvertCommand());

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs a command line; returns 0 on success, 2 for usage errors, 1 for failures. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            printUsage(argv.length == 0 ? err : out);
            return argv.length == 0 ? 2 : 0;
        }
        Command command = COMMANDS.stream().filter(c -> c.name().equals(argv[0])).findFirst().orElse(null);
        if (command == null) {
            err.println("spikert: unknown command '" + argv[0] + "'");
            printUsage(err);
            return 2;
        }
        for (int i = 1; i < argv.length; i++) {
            if (argv[i].equals("--help") || argv[i].equals("-h")) {
                out.println(command.usage());
                return 0;
            }
        }
        try {
            VectorApi.require();
            return command.run(argv, out, err);
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
        ps.println("usage: spikert <command> [options]   (spikert <command> --help for details)");
        ps.println();
        for (Command c : COMMANDS) {
            ps.println(c.usage());
            ps.println();
        }
    }
}
