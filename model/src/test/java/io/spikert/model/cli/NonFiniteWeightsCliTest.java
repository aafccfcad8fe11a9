package io.spikert.model.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.spikert.model.cli.CliTest.TINY;
import static io.spikert.model.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A checkpoint with a NaN in a big mapped matrix (the embedding table, not read at load): {@code score} stops with a
 * message instead of writing NaN logits, and {@code --check-weights} names the tensor and position before running.
 */
class NonFiniteWeightsCliTest {
    static final String EMBEDDING = "model.embeddings.weight";
    static final int HIDDEN = 64;
    static final int POISONED_ROW = 5;

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void poisonOneEmbeddingRow() throws IOException {
        model = poisonedCopy(TINY.resolve("f32"), "nan-embedding", "model.safetensors", HIDDEN);
    }

    /** A copy of {@code src} with a NaN at column 3 of embedding row {@link #POISONED_ROW} in {@code shard}. */
    static Path poisonedCopy(Path src, String name, String shard, int hidden) throws IOException {
        Path copy = Files.createDirectory(dir.resolve(name));
        try (var files = Files.list(src)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, copy.resolve(f.getFileName().toString()));
            }
        }
        try (FileChannel ch = FileChannel.open(copy.resolve(shard), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            int headerBytes = (int) len.getLong(0);
            ByteBuffer header = ByteBuffer.allocate(headerBytes);
            ch.read(header, 8);
            JsonNode entry = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8)).get(EMBEDDING);
            assertEquals("F32", entry.get("dtype").asText());
            assertEquals(hidden, entry.get("shape").get(1).asInt());
            long at = 8 + headerBytes + entry.get("data_offsets").get(0).asLong() + 4L * ((long) POISONED_ROW * hidden + 3);
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, Float.NaN), at);
        }
        return copy;
    }

    @Test
    void scoreStopsOnNonFiniteLogitsAndLeavesNoFile() {
        Path out = dir.resolve("logits.f32");
        var r = run("score", "--model", model.toString(), "--ids", "1," + POISONED_ROW + ",2", "--logits", out.toString());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("non-finite") && r.err().contains("position 1 (id " + POISONED_ROW + ")"), r.err());
        assertTrue(r.err().contains("--check-weights"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(out), "no logits file from a failed run");
        // a prompt that never reads the poisoned row runs
        assertEquals(0, run("score", "--model", model.toString(), "--ids", "1,2", "--logits", out.toString()).status());
    }

    @Test
    void checkWeightsNamesTheTensorAndPositionBeforeRunning() {
        var r = run("generate", "--model", model.toString(), "--ids", "1,2", "--max-tokens", "2", "--check-weights");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains(EMBEDDING) && r.err().contains("NaN") && r.err().contains("row " + POISONED_ROW),
                r.err());
        assertEquals("", r.out());
    }

    @Test
    void spikesTakesCheckWeightsToo() throws IOException {
        Path w8 = poisonedCopy(Path.of("src/test/resources/tiny-w8aspike"), "nan-embedding-w8",
                "model-00001-of-00002.safetensors", 128);
        var r = run("spikes", "--model", w8.toString(), "--ids", "1,2,3", "--check-weights");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains(EMBEDDING) && r.err().contains("row " + POISONED_ROW), r.err());
        assertEquals(0, run("spikes", "--model", w8.toString(), "--ids", "1,2,3").status(), "the prompt never reads row 5");
    }
}
