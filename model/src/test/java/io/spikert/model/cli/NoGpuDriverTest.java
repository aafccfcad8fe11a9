package io.spikert.model.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code --device cuda|maca} on a machine without the vendor's driver: one clear message listing where
 * it looked, status 1. Run in a fresh JVM, since another test class of this module installs the fake GPU.
 */
class NoGpuDriverTest {
    @Test
    void missingDriverIsAClearErrorForBothVendors() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String device : new String[] {"cuda", "maca"}) {
            var pb = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "generate", "--model", "src/test/resources/tiny/f32", "--ids", "1,2", "--device", device);
            pb.environment().put("LD_LIBRARY_PATH", "");
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            if (device.equals("cuda") && p.exitValue() == 0) {
                continue; // a machine with a real GPU: nothing to check here
            }
            assertEquals(1, p.exitValue(), output);
            assertTrue(output.contains("no " + (device.equals("cuda") ? "CUDA driver" : "MACA runtime") + " found (looked in"), output);
            assertFalse(output.contains("\tat "), output);
        }
    }
}
