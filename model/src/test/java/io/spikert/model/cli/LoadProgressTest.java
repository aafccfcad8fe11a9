package io.spikert.model.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static io.spikert.model.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** The loading status: rewritten in place on a terminal only; plain, rate-limited lines in a log. */
class LoadProgressTest {
    @Test
    void aLogGetsPlainLinesAtAModestRateAndTheLastStep() {
        var out = new ByteArrayOutputStream();
        long[] now = {0};
        var p = new LoadProgress(new PrintStream(out, true, StandardCharsets.UTF_8), false, () -> now[0]);
        for (int i = 0; i < 1000; i++) { // 1000 steps over 20 s
            now[0] = i * 20_000_000L;
            p.accept("step " + i);
        }
        p.finish();
        String log = out.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains("\r") || log.contains("\033"), log);
        var lines = log.lines().toList();
        assertEquals("loading: step 0", lines.getFirst());
        assertEquals("loading: step 999", lines.getLast(), "the last step is shown when the load ends");
        assertTrue(lines.size() <= 20 / LoadProgress.LOG_INTERVAL_SECONDS + 2, log);
    }

    @Test
    void aTerminalGetsOneLineRewrittenInPlace() {
        var out = new ByteArrayOutputStream();
        var p = new LoadProgress(new PrintStream(out, true, StandardCharsets.UTF_8), true, () -> 0L);
        p.accept("a");
        p.accept("b");
        p.finish();
        assertEquals("\r\033[Kloading: a\r\033[Kloading: b\n", out.toString(StandardCharsets.UTF_8).replace("\r\n", "\n"));
    }

    @Test
    void theCommandsWriteNoEscapeCodesIntoALog() {
        CliTest.Result r = run("generate", "--model", "src/test/resources/tiny-w8aspike", "--ids", "1,2,3,4", "--max-tokens", "1",
                "--format", "ids", "--threads", "1");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("loading: "), r.err());
        assertFalse(r.err().contains("\r") || r.err().contains("\033"), "plain lines: " + r.err());
    }
}
