package io.spikert.model.util;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a progress stream is a terminal, so that carriage returns and escape codes go only where a person
 * watches, and a log file gets plain lines. Only {@code System.err} itself can be one; it is a terminal when
 * {@code TERM} is not {@code dumb} and file descriptor 2 is a terminal device (read from {@code /proc/self/fd/2} on
 * Linux; elsewhere {@link java.io.Console#isTerminal()}, which looks at standard input and output, stands in).
 */
public final class Terminal {
    private Terminal() {}

    public static boolean isTerminal(PrintStream stream) {
        return stream == System.err && stderrIsTerminal();
    }

    /**
     * Whether standard input is a terminal (a person typing, not a pipe or file): file descriptor 0 is a terminal device
     * ({@code /proc/self/fd/0} on Linux; elsewhere {@link java.io.Console#isTerminal()}). {@code TERM} does not matter.
     */
    public static boolean stdinIsTerminal() {
        return isTerminalDevice(0);
    }

    private static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        return isTerminalDevice(2);
    }

    private static boolean isTerminalDevice(int fd) {
        Path link = Path.of("/proc/self/fd/" + fd);
        if (Files.isSymbolicLink(link)) {
            try {
                String target = Files.readSymbolicLink(link).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        var console = System.console();
        return console != null && console.isTerminal();
    }
}
