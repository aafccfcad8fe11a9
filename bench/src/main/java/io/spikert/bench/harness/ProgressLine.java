package io.spikert.bench.harness;

import java.io.PrintStream;
import java.util.function.LongConsumer;

/**
 * A single self-overwriting status line (bytes, MB/s, ETA) for a long write. Redraws at most twice a
 * second: the writer reports every megabyte, and printing that often would cost more than the write.
 */
public final class ProgressLine implements LongConsumer {
    private static final long REDRAW_NANOS = 500_000_000L;

    private final PrintStream out;
    private final String label;
    private final long totalBytes;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long bytes;

    public ProgressLine(PrintStream out, String label, long totalBytes) {
        this.out = out;
        this.label = label;
        this.totalBytes = totalBytes;
    }

    @Override
    public void accept(long bytesSoFar) {
        bytes = bytesSoFar;
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw(now);
        }
    }

    /** Draws the final state and ends the line. */
    public void finish() {
        draw(System.nanoTime());
        out.println();
    }

    private void draw(long now) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double mbPerSecond = bytes / 1e6 / seconds;
        String eta = mbPerSecond > 0 && totalBytes > bytes
                ? formatSeconds((totalBytes - bytes) / 1e6 / mbPerSecond) : "0s";
        out.printf("\r%s: %,d / %,d MB (%.0f%%), %.0f MB/s, ETA %s   ", label, bytes / 1_000_000, totalBytes / 1_000_000,
                totalBytes == 0 ? 100.0 : 100.0 * bytes / totalBytes, mbPerSecond, eta);
        out.flush();
    }

    private static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 60 ? (t / 60) + "m" + String.format("%02d", t % 60) + "s" : t + "s";
    }
}
