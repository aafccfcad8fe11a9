package io.spikert.model.cli;

import io.spikert.model.util.Terminal;

import java.io.PrintStream;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The status of a model load that takes a while. On a terminal: one line, rewritten in place. Elsewhere (a log file,
 * a pipe): plain lines, the first step at once and then at most one every {@value #LOG_INTERVAL_SECONDS} s, and the
 * last step when the load ends, so that a log shows where a load stood without thousands of lines.
 */
final class LoadProgress implements Consumer<String> {
    static final long LOG_INTERVAL_SECONDS = 5;

    private final PrintStream err;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    private boolean shown;
    private long lastLine;
    private String pending;

    LoadProgress(PrintStream err) {
        this(err, Terminal.isTerminal(err), System::nanoTime);
    }

    LoadProgress(PrintStream err, boolean terminal, LongSupplier nanoClock) {
        this.err = err;
        this.terminal = terminal;
        this.nanoClock = nanoClock;
    }

    @Override
    public void accept(String step) {
        long now = nanoClock.getAsLong();
        if (terminal) {
            err.print("\r\033[Kloading: " + step);
        } else if (!shown || now - lastLine >= LOG_INTERVAL_SECONDS * 1_000_000_000L) {
            err.println("loading: " + step);
            lastLine = now;
            pending = null;
        } else {
            pending = step;
        }
        shown = true;
        err.flush();
    }

    /** Whether any step was reported. */
    boolean shown() {
        return shown;
    }

    /** Ends the status: the terminal line, or the last step a log has not seen yet. */
    void finish() {
        if (terminal && shown) {
            err.println();
        } else if (pending != null) {
            err.println("loading: " + pending);
            pending = null;
        }
        err.flush();
    }
}
