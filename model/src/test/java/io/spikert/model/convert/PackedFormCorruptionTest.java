package io.spikert.model.convert;

import io.spikert.model.LoadOptions;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.checkpoint.SafetensorsWriter;
import io.spikert.model.checkpoint.w8.PackedFormat;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** A packed W8ASpike checkpoint whose outlier tensors have the wrong rank or length is refused at load, naming the tensor. */
class PackedFormCorruptionTest {
    @TempDir
    static Path tmp;
    static Path packed;
    static CpuBackend backend;
    static final String INDEX = "model.layers.0.attn.q_proj" + PackedFormat.OUTLIER_INDEX;

    @BeforeAll
    static void convert() throws Exception {
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        packed = tmp.resolve("packed");
        new Converter(quiet, quiet).convert(new Converter.Options(Path.of("src/test/resources/tiny-w8aspike"), packed,
                ConvertMode.PACKED, false));
        backend = new CpuBackend(1);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    /** The packed checkpoint as one model.safetensors, with {@code edit} applied to every tensor (null drops it). */
    private static Path variant(String name, Function<Tensor, Tensor> edit) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.copy(packed.resolve("config.json"), dir.resolve("config.json"));
        try (var ckpt = Checkpoints.open(packed); var arena = Arena.ofConfined()) {
            var writer = new SafetensorsWriter();
            for (String n : ckpt.names()) {
                Tensor t = n.equals(INDEX) ? edit.apply(ckpt.tensor(n)) : ckpt.tensor(n);
                if (t != null) {
                    writer.add(t.name(), t.dtype(), t.shape(), arena.allocate(Math.max(1, t.byteSize())).copyFrom(t.data()).asSlice(0, t.byteSize()));
                }
            }
            writer.write(dir.resolve("model.safetensors"));
        }
        return dir;
    }

    private static Tensor i32(String name, long... shape) {
        return new Tensor(name, DType.I32, shape, Arena.ofAuto().allocate(Tensor.elementCount(shape) * 4));
    }

    private static void refusedNamingTheIndex(Path dir) {
        for (boolean integer : new boolean[] {true, false}) {
            var e = assertThrows(CheckpointException.class,
                    () -> SpikingBrainModel.load(dir, backend, new LoadOptions(3f).withIntegerSpikes(integer)).close());
            assertTrue(e.getMessage().contains(INDEX) && e.getMessage().contains("model.safetensors"), e.getMessage());
        }
    }

    @Test
    void theUneditedCopyLoads() throws IOException {
        SpikingBrainModel.load(variant("same", t -> t), backend).close();
    }

    @Test
    void aRankZeroOutlierIndexIsACheckpointErrorNotAnOutOfBounds() throws IOException {
        refusedNamingTheIndex(variant("rank0", t -> i32(t.name())));
    }

    @Test
    void aRankTwoOrOverlongOutlierIndexIsRefused() throws IOException {
        refusedNamingTheIndex(variant("rank2", t -> i32(t.name(), 1, t.shape()[0])));
        refusedNamingTheIndex(variant("long", t -> i32(t.name(), 128L * 128 + 1)));
    }

    @Test
    void aMissingOutlierIndexIsNamed() throws IOException {
        Path dir = variant("missing", t -> null);
        var e = assertThrows(CheckpointException.class, () -> SpikingBrainModel.load(dir, backend).close());
        assertTrue(e.getMessage().contains(INDEX) && e.getMessage().contains("missing"), e.getMessage());
    }
}
