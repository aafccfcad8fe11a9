package io.spikert.model.convert;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** Progress into a log file or pipe: plain lines, no carriage returns or escape codes, at a modest rate. */
class ProgressBarLogTest {
    @Test
    void aStreamThatIsNotATerminalGetsPlainLines() {
        var out = new ByteArrayOutputStream();
        var bar = new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), "writing  ", 1000);
        for (int i = 0; i <= 1000; i++) {
            bar.update(i);
        }
        bar.finish();
        String log = out.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains("\r"), "no carriage return: " + log);
        assertFalse(log.contains("\033"), "no escape code: " + log);
        String[] lines = log.split("\n");
        assertEquals(2, lines.length, "the first update and the final state, within 5 s: " + log);
        assertTrue(lines[1].contains("100.0%") && lines[1].contains("ETA"), lines[1]);
    }

    @Test
    void aLongRunLogsAtMostOneLinePerInterval() {
        var out = new ByteArrayOutputStream();
        long[] now = {0};
        var bar = new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), "writing  ", 60_000, false, () -> now[0]);
        for (int ms = 0; ms <= 60_000; ms++) { // one update per millisecond for a minute
            now[0] = ms * 1_000_000L;
            bar.update(ms);
        }
        bar.finish();
        String log = out.toString(StandardCharsets.UTF_8);
        long lines = log.lines().count();
        assertEquals(60 / ProgressBar.LOG_INTERVAL_SECONDS + 1 + 1, lines, log); // t = 0, 5, ..., 60 s, then the final state
        assertFalse(log.contains("\r"), log);
    }
}
