package io.spikert.model.checkpoint;

import io.spikert.runtime.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.spikert.model.checkpoint.CheckpointAssertions.assertCheckpointError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardedCheckpointTest {
    @TempDir
    Path dir;

    static final String SHARD1 = "model-00001-of-00002.safetensors";
    static final String SHARD2 = "model-00002-of-00002.safetensors";

    private void writeShards() throws Exception {
        new SafetensorsWriter()
                .add("model.layers.0.w", DType.F32, new long[]{2}, SafetensorsRoundTripTest.f32(new float[]{1, 2}))
                .add("model.embed", DType.F32, new long[]{1, 3}, SafetensorsRoundTripTest.f32(new float[]{3, 4, 5}))
                .write(dir.resolve(SHARD1));
        new SafetensorsWriter()
                .add("lm_head", DType.BF16, new long[]{2}, SafetensorsRoundTripTest.i16(new short[]{0x3F80, 0x4000}))
                .write(dir.resolve(SHARD2));
    }

    private Path writeIndex(String weightMapBody) throws Exception {
        return Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 24}, \"weight_map\": {" + weightMapBody + "}}");
    }

    private static String entry(String name, String shard) {
        return "\"" + name + "\": \"" + shard + "\"";
    }

    private Path writeGoodIndex() throws Exception {
        return writeIndex(String.join(", ", entry("model.layers.0.w", SHARD1), entry("model.embed", SHARD1),
                entry("lm_head", SHARD2)));
    }

    @Test
    void opensAShardedFolder() throws Exception {
        writeShards();
        writeGoodIndex();
        try (Checkpoint c = Checkpoints.open(dir)) {
            assertEquals(dir, c.directory());
            assertEquals("safetensors", c.format());
            assertEquals(List.of("lm_head", "model.embed", "model.layers.0.w"), List.copyOf(c.names()));
            assertTrue(c.contains("lm_head"));
            assertFalse(c.contains("nope"));
            assertEquals(dir.resolve(SHARD2), c.fileOf("lm_head"));
            assertEquals(dir.resolve(SHARD1), c.fileOf("model.embed"));
            assertArrayEquals(new float[]{3, 4, 5}, c.tensor("model.embed").toFloatArray());
            assertArrayEquals(new float[]{1, 2}, c.tensor("lm_head").toFloatArray());
            assertEquals(8 + 12 + 4, c.totalBytes());
            assertCheckpointError(() -> c.tensor("model.missing"), "model.missing", dir.toString());
            assertThrows(IllegalArgumentException.class, () -> c.fileOf("model.missing"));
        }
    }

    @Test
    void indexWinsOverASingleFileAndSafetensorsOverPytorch() throws Exception {
        writeShards();
        writeGoodIndex();
        new SafetensorsWriter().add("single", DType.I8, new long[]{1}, MemorySegment.ofArray(new byte[]{1}))
                .write(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[]{1, 2, 3});
        try (Checkpoint c = Checkpoints.open(dir)) {
            assertTrue(c.contains("lm_head"));
        }
        Files.delete(dir.resolve("model.safetensors.index.json"));
        try (Checkpoint c = Checkpoints.open(dir)) {
            assertEquals(List.of("single"), List.copyOf(c.names()));
        }
    }

    @Test
    void emptyFolderListsWhatWasLookedFor() {
        assertCheckpointError(() -> Checkpoints.open(dir), dir.toString(), "model.safetensors.index.json",
                "model.safetensors,", "pytorch_model.bin.index.json", "pytorch_model.bin");
        assertCheckpointError(() -> Checkpoints.open(dir.resolve("absent")), "absent", "not a directory");
    }

    @Test
    void shardNamesMustStayInsideTheFolder() throws Exception {
        writeShards();
        for (String bad : List.of("../" + SHARD1, "/etc/passwd", "sub/" + SHARD1, "..", "", "C:\\\\x")) {
            Path index = writeIndex(entry("model.embed", bad));
            assertCheckpointError(() -> Checkpoints.open(dir), index.toString(), "tensor model.embed", "not a plain file name");
        }
    }

    @Test
    void shardNamesTheFileSystemCannotHoldNameTheIndexAndTheEntry() throws Exception {
        writeShards();
        // a lone surrogate (JSON escape) cannot be encoded as a file name: it was an InvalidPathException
        // escaping from Path.resolve, wrapped without naming the entry
        for (String bad : List.of("\\ud800.safetensors", "a\\udfff")) {
            Path index = writeIndex(entry("model.embed", bad));
            assertCheckpointError(() -> Checkpoints.open(dir), index.toString(), "tensor model.embed", "not a plain file name");
        }
    }

    @Test
    void missingShardFile() throws Exception {
        writeShards();
        Path index = writeIndex(entry("model.embed", "model-00009-of-00009.safetensors"));
        assertCheckpointError(() -> Checkpoints.open(dir), index.toString(), "model-00009-of-00009.safetensors", "does not exist");
    }

    @Test
    void nameInTheMapButMissingFromItsShard() throws Exception {
        writeShards();
        Path index = writeIndex(String.join(", ", entry("model.layers.0.w", SHARD1), entry("model.embed", SHARD1),
                entry("lm_head", SHARD2), entry("model.norm", SHARD2)));
        assertCheckpointError(() -> Checkpoints.open(dir), index.toString(), "tensor model.norm", SHARD2, "does not contain it");
    }

    @Test
    void tensorInAShardButAbsentFromTheMap() throws Exception {
        writeShards();
        Path index = writeIndex(String.join(", ", entry("model.layers.0.w", SHARD1), entry("lm_head", SHARD2)));
        assertCheckpointError(() -> Checkpoints.open(dir), dir.resolve(SHARD1).toString(), "tensor model.embed",
                "absent from the weight_map", index.toString());
    }

    @Test
    void tensorInAShardTheMapDoesNotAssign() throws Exception {
        writeShards();
        Path index = writeIndex(String.join(", ", entry("model.layers.0.w", SHARD1), entry("model.embed", SHARD1),
                entry("lm_head", SHARD1)));
        assertCheckpointError(() -> Checkpoints.open(dir), "tensor lm_head", index.toString());
    }

    @Test
    void malformedIndexes() throws Exception {
        writeShards();
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\": ");
        assertCheckpointError(() -> Checkpoints.open(dir), index.toString(), "not valid JSON");
        Files.writeString(index, "{\"metadata\": {}}");
        assertCheckpointError(() -> Checkpoints.open(dir), index.toString(), "weight_map");
        Files.writeString(index, "{\"weight_map\": {\"lm_head\": 3}}");
        assertCheckpointError(() -> Checkpoints.open(dir), index.toString(), "tensor lm_head", "not a file name");
        Files.writeString(index, "{\"weight_map\": {" + entry("lm_head", SHARD2) + ", " + entry("lm_head", SHARD1) + "}}");
        assertCheckpointError(() -> Checkpoints.open(dir), index.toString(), "lm_head");
        Files.writeString(index, "[]");
        assertCheckpointError(() -> Checkpoints.open(dir), index.toString(), "not a JSON object");
    }

    @Test
    void aBadShardIsReportedByItsOwnName() throws Exception {
        writeShards();
        writeGoodIndex();
        Files.write(dir.resolve(SHARD2), new byte[]{0, 0});
        assertCheckpointError(() -> Checkpoints.open(dir), dir.resolve(SHARD2).toString(), "shorter than");
    }
}
