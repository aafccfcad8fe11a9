package io.spikert.model.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The rules of {@link OutputTarget} that the command tests do not reach. */
class OutputTargetTest {
    @TempDir
    Path dir;

    @Test
    void devStdoutIsStandardOutputItself() throws IOException {
        OutputTarget t = OutputTarget.check("--out", "/dev/stdout", false);
        assertTrue(t.isStdout(), "/dev/stdout is the stream the command already has, not a second writer of fd 1");
        var captured = new ByteArrayOutputStream();
        t.write(captured, os -> os.write("x".getBytes(StandardCharsets.UTF_8)));
        assertEquals("x", captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aBlockDeviceIsRefused() throws Exception {
        Path blk = dir.resolve("disk");
        Process p = new ProcessBuilder("mknod", blk.toString(), "b", "7", "200").inheritIO().start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "mknod (tests run as root)");
        for (boolean force : new boolean[] {false, true}) {
            var e = assertThrows(OutputRefusedException.class, () -> OutputTarget.check("--out", blk.toString(), force));
            assertTrue(e.getMessage().contains("block device"), e.getMessage());
        }
    }

    @Test
    void aFailedBodyLeavesNeitherTheTargetNorATemporary() throws IOException {
        Path file = dir.resolve("out.bin");
        OutputTarget t = OutputTarget.check("--out", file.toString(), false);
        assertThrows(IOException.class, () -> t.write(System.out, os -> {
            os.write(new byte[100]);
            throw new IOException("the model failed");
        }));
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count(), "nothing left in " + dir);
        }
    }

    @Test
    void aFileThatAppearsWhileWritingIsNotReplaced() throws IOException {
        Path file = dir.resolve("out.bin");
        OutputTarget t = OutputTarget.check("--out", file.toString(), false);
        var e = assertThrows(OutputRefusedException.class, () -> t.write(System.out, os -> {
            Files.writeString(file, "mine"); // another program creates it meanwhile
            os.write(new byte[10]);
        }));
        assertTrue(e.getMessage().contains("already exists") || e.getMessage().contains("appeared"), e.getMessage());
        assertEquals("mine", Files.readString(file));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary left");
        }
    }
}
