package io.spikert.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a test's main class in a child JVM on this JVM's class path, compiled by C1 only
 * ({@code -XX:TieredStopAtLevel=1}: the interpreter and C1, so the Vector API runs its Java implementations, no
 * intrinsics), for at most {@value #LIMIT_S} s, and asserts that it ended by itself with status 0.
 */
final class C1OnlyJvm {
    static final int LIMIT_S = 180;

    private C1OnlyJvm() {}

    /** The child's output (stdout and stderr together). */
    static String run(String label, Class<?> main, String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xmx512m", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("c1-only-jvm", ".log");
        try {
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            child.getOutputStream().close(); // the child reads nothing; no pipe left for a cleaner to close later
            boolean ended = child.waitFor(LIMIT_S, TimeUnit.SECONDS);
            if (!ended) {
                child.destroyForcibly().waitFor();
            }
            String text = Files.readString(log);
            assertTrue(ended, label + ": the child JVM did not end in " + LIMIT_S + " s\n" + text);
            assertEquals(0, child.exitValue(), label + ": the child JVM reported\n" + text);
            return text;
        } finally {
            Files.delete(log);
        }
    }
}
