package io.spikert.model.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Without the Vector API module the CLI refuses to run (no silent scalar fallback) and says how to enable it. */
class VectorApiRequiredTest {
    @Test
    void refusesToRunWithoutTheIncubatorModule() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "generate", "--model", "src/test/resources/tiny/f32", "--ids", "1,2", "--max-tokens", "1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the subprocess finished");
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("--add-modules=jdk.incubator.vector"), output);
        assertFalse(output.contains("\tat "), "a message, not a stack trace: " + output);
    }
}
