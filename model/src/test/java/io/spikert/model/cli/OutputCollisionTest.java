package io.spikert.model.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.spikert.model.cli.CliTest.TINY;
import static io.spikert.model.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Outputs that would destroy the input or each other: a file of the model folder being read is never replaced,
 * even with --force, and two outputs of one command may not be the same file or both standard output.
 */
class OutputCollisionTest {
    @TempDir
    Path dir;

    private Path modelCopy(Path src) throws IOException {
        Path copy = Files.createDirectory(dir.resolve("model"));
        try (var files = Files.list(src)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, copy.resolve(f.getFileName().toString()));
            }
        }
        return copy;
    }

    @Test
    void aCheckpointFileIsNeverTheLogitsOutputEvenWithForce() throws IOException {
        Path model = modelCopy(TINY.resolve("f32"));
        Path weights = model.resolve("model.safetensors");
        byte[] before = Files.readAllBytes(weights);
        var r = run("score", "--model", model.toString(), "--ids", "1,2", "--logits", weights.toString(), "--force");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("a file of the model folder"), r.err());
        assertArrayEquals(before, Files.readAllBytes(weights), "the checkpoint is untouched");
        // through another spelling of the same folder too
        Path spelled = dir.resolve("model/../model/config.json");
        assertEquals(2, run("score", "--model", model.toString(), "--ids", "1,2", "--logits", spelled.toString(),
                "--force").status());
        // a new file inside the model folder is not a checkpoint file: allowed
        assertEquals(0, run("score", "--model", model.toString(), "--ids", "1,2", "--logits",
                model.resolve("logits.f32").toString()).status());
    }

    @Test
    void spikesRasterAndJsonMayNotBeTheSameOutput() {
        String w8 = "src/test/resources/tiny-w8aspike";
        Path same = dir.resolve("out.svg");
        var r = run("spikes", "--model", w8, "--ids", "1,2,3", "--raster", same.toString(), "--json", same.toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("are the same"), r.err());
        assertFalse(Files.exists(same));
        var both = run("spikes", "--model", w8, "--ids", "1,2,3", "--raster", "-", "--json", "-");
        assertEquals(2, both.status(), both.err());
    }
}
