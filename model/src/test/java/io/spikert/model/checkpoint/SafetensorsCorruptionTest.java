package io.spikert.model.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.spikert.model.checkpoint.CheckpointAssertions.assertCheckpointError;

/** Every malformed header is a CheckpointException naming the file (and tensor), read through Checkpoints.open. */
class SafetensorsCorruptionTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("model.safetensors");
    }

    private void assertRejected(String header, int dataBytes, String... mustContain) throws Exception {
        Path f = SafetensorsBytes.write(file(), header, dataBytes);
        String[] all = new String[mustContain.length + 1];
        all[0] = f.toString();
        System.arraycopy(mustContain, 0, all, 1, mustContain.length);
        assertCheckpointError(() -> Checkpoints.open(dir), all);
    }

    @Test
    void fileShorterThanTheLengthField() throws Exception {
        Files.write(file(), new byte[]{1, 2, 3});
        assertCheckpointError(() -> Checkpoints.open(dir), file().toString(), "shorter than the 8-byte");
    }

    @Test
    void headerLengthLargerThanTheFile() throws Exception {
        SafetensorsBytes.write(file(), 1000, "{}".getBytes(), 0);
        assertCheckpointError(() -> Checkpoints.open(dir), file().toString(), "header length 1000");
        SafetensorsBytes.write(file(), -1L, "{}".getBytes(), 0); // 2^64-1 as unsigned
        assertCheckpointError(() -> Checkpoints.open(dir), file().toString(), "18446744073709551615");
    }

    @Test
    void headerLengthOverTheLimit() throws Exception {
        long declared = SafetensorsFile.MAX_HEADER_BYTES + 8;
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declared).flip());
            ch.write(ByteBuffer.wrap(new byte[]{' '}), 8 + declared); // sparse: the file is big but nearly empty on disk
        }
        assertCheckpointError(() -> Checkpoints.open(dir), file().toString(), "exceeds the limit");
    }

    @Test
    void headerNotJson() throws Exception {
        assertRejected("{\"a\": {\"dtype\": ", 0, "not valid JSON");
        assertRejected("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}} trailing", 4,
                "not valid JSON");
        assertRejected("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}} {}", 4,
                "content after its JSON object");
    }

    @Test
    void headerNotAnObject() throws Exception {
        assertRejected("[1, 2]", 0, "not a JSON object");
        assertRejected("{\"w\": 5}", 0, "tensor w", "not a JSON object");
    }

    @Test
    void unknownDtype() throws Exception {
        assertRejected("{\"w\": {\"dtype\": \"F8_E4M3\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1,
                "tensor w", "unknown dtype F8_E4M3");
    }

    @Test
    void negativeDimension() throws Exception {
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [2, -1], \"data_offsets\": [0, 8]}}", 8,
                "tensor w", "negative dimension");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}", 8,
                "tensor w", "non-integer");
    }

    @Test
    void dataOffsetsNotAPairOfIntegers() throws Exception {
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4, "tensor w", "data_offsets");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [\"0\", 4]}}", 4, "tensor w", "data_offsets");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4.0]}}", 4, "tensor w", "data_offsets");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, "tensor w", "data_offsets");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 99999999999999999999999]}}", 4,
                "tensor w", "data_offsets");
    }

    @Test
    void beginAfterEnd() throws Exception {
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", 8, "tensor w", "[8, 4]");
    }

    @Test
    void offsetsOutsideTheDataSection() throws Exception {
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 8,
                "tensor w", "outside the data section of 8 bytes");
    }

    @Test
    void overlappingTensors() throws Exception {
        assertRejected("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12, "tensor b", "overlap tensor a");
    }

    @Test
    void byteLengthNotMatchingShape() throws Exception {
        assertRejected("{\"w\": {\"dtype\": \"BF16\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8,
                "tensor w", "8 bytes", "needs 6");
    }

    @Test
    void byteLengthOverflow() throws Exception {
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 8]}}", 8,
                "tensor w", "overflows");
    }

    @Test
    void duplicateNames() throws Exception {
        String e = "{\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}";
        assertRejected("{\"w\": " + e + ", \"w\": " + e + "}", 4, "tensor w", "duplicate tensor name");
        assertRejected("{\"w\": {\"dtype\": \"F32\", \"dtype\": \"F16\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
                "not valid JSON", "dtype");
    }

    @Test
    void metadataMustBeAStringMap() throws Exception {
        assertRejected("{\"__metadata__\": {\"format\": 1}}", 0, "__metadata__", "format");
        assertRejected("{\"__metadata__\": [1]}", 0, "__metadata__");
    }
}
