package io.spikert.model.convert;

import io.spikert.model.util.Terminal;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress bar: bytes done, throughput and time left. On a terminal one line, redrawn in place at most five times a
 * second; elsewhere (a log file, a pipe) plain lines without carriage returns: the first update, then at most one
 * every {@value #LOG_INTERVAL_SECONDS} s, and the final state.
 */
public final class ProgressBar {
    static final long LOG_INTERVAL_SECONDS = 5;
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    private final long start;
    private long lastDraw = Long.MIN_VALUE;
    private long done;

    public ProgressBar(PrintStream out, String label, long total) {
        this(out, label, total, Terminal.isTerminal(out), System::nanoTime);
    }

    ProgressBar(PrintStream out, String label, long total, boolean terminal, LongSupplier nanoClock) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.terminal = terminal;
        this.nanoClock = nanoClock;
        this.start = nanoClock.getAsLong();
    }

    /** Records {@code bytesDone} and draws at the rate the stream allows. */
    public void update(long bytesDone) {
        done = bytesDone;
        long now = nanoClock.getAsLong();
        long interval = terminal ? REDRAW_NANOS : LOG_INTERVAL_SECONDS * 1_000_000_000L;
        if (lastDraw == Long.MIN_VALUE || now - lastDraw >= interval) {
            lastDraw = now;
            String line = line(label, done, total, now - start);
            if (terminal) {
                out.print("\r" + line);
            } else {
                out.println(line);
            }
            out.flush();
        }
    }

    /** Draws the final state and ends the line. */
    public void finish() {
        out.println((terminal ? "\r" : "") + line(label, done, total, nanoClock.getAsLong() - start));
        out.flush();
    }

    /** e.g. {@code writing [###########...................]  37.5% 12.0 MiB / 32.0 MiB  85.3 MiB/s  ETA 0:00:01}. */
    static String line(String label, long done, long total, long elapsedNanos) {
        double frac = total <= 0 ? 1.0 : Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(frac * WIDTH);
        double seconds = elapsedNanos / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = rate > 0 ? clock((long) Math.ceil((total - done) / rate)) : "--:--:--";
        return String.format(Locale.ROOT, "%s [%s%s] %5.1f%% %s / %s  %s/s  ETA %s", label, "#".repeat(filled),
                ".".repeat(WIDTH - filled), frac * 100, bytes(done), bytes(total), bytes((long) rate), eta);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String clock(long s) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
