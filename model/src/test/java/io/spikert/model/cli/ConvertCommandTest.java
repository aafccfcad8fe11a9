package io.spikert.model.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ConvertCommandTest {
    @TempDir
    Path tmp;

    @Test
    void packsTheW8ASpikeFixture() throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        Path dst = tmp.resolve("packed");
        int status = new ConvertCommand().run(new String[] {"convert", "--model", "src/test/resources/tiny-w8aspike",
                "--out", dst.toString(), "--to", "packed"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status);
        assertTrue(Files.isRegularFile(dst.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(dst.resolve("config.json")));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("verified"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("ETA"));
    }

    @Test
    void badModeIsAUsageError() {
        var e = assertThrows(UsageException.class, () -> new ConvertCommand().run(new String[] {"convert", "--model", "x",
                "--out", "y", "--to", "int4"}, System.out, System.err));
        assertTrue(e.getMessage().contains("w8, packed, aligned or spikingbrain"), e.getMessage());
        assertThrows(UsageException.class, () -> new ConvertCommand().run(new String[] {"convert", "--model", "x"},
                System.out, System.err));
    }
}
