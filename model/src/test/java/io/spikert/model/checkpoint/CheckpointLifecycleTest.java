package io.spikert.model.checkpoint;

import io.spikert.runtime.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CheckpointLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void closeUnmapsAndTensorsStopWorking() throws Exception {
        SafetensorsRoundTripTest.writeSample(dir.resolve("model.safetensors"));
        Checkpoint c = Checkpoints.open(dir);
        Tensor t = c.tensor("model.f32");
        assertEquals(1.5f, t.getFloat(0));
        c.close();
        assertThrows(IllegalStateException.class, () -> t.getFloat(0));
        assertThrows(IllegalStateException.class, () -> c.tensor("model.f32"));
        c.close(); // idempotent
    }

    @Test
    void torchTensorsAlsoDieWithTheirCheckpoint() throws Exception {
        TorchCheckpointFileTest.sample().write(dir.resolve("pytorch_model.bin"));
        Checkpoint c = Checkpoints.open(dir);
        Tensor t = c.tensor("model.b");
        c.close();
        assertThrows(IllegalStateException.class, () -> t.getFloat(0));
    }

    /** Live mappings of {@code file} in this process, from Linux's /proc/self/maps. */
    private static long mappingsOf(Path file) throws Exception {
        String real = file.toRealPath().toString();
        try (var lines = Files.lines(MAPS)) {
            return lines.filter(l -> l.endsWith(real)).count();
        }
    }

    private static final Path MAPS = Path.of("/proc/self/maps");

    @Test
    void openingAndClosingManyTimesReleasesEveryMapping() throws Exception {
        assumeTrue(Files.isReadable(MAPS), "needs /proc/self/maps (Linux)");
        Path st = SafetensorsRoundTripTest.writeSample(dir.resolve("model.safetensors"));
        Path torchDir = Files.createDirectory(dir.resolve("torch"));
        Path bin = TorchCheckpointFileTest.sample().write(torchDir.resolve("pytorch_model.bin"));
        Checkpoint live = Checkpoints.open(dir);
        assertEquals(1, mappingsOf(st), "the check must see a live mapping");
        live.close();
        for (int i = 0; i < 300; i++) {
            try (Checkpoint c = Checkpoints.open(i % 2 == 0 ? dir : torchDir)) {
                c.tensor(c.names().first()).data().get(ValueLayout.JAVA_BYTE, 0);
            }
        }
        assertEquals(0, mappingsOf(st));
        assertEquals(0, mappingsOf(bin));
    }

    @Test
    void failedOpensDoNotLeakEither() throws Exception {
        assumeTrue(Files.isReadable(MAPS), "needs /proc/self/maps (Linux)");
        Path bad = SafetensorsBytes.write(dir.resolve("model.safetensors"),
                "{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 4]}}", 4);
        for (int i = 0; i < 100; i++) {
            assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        }
        assertEquals(0, mappingsOf(bad));
    }
}
