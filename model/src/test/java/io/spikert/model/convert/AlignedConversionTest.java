package io.spikert.model.convert;

import io.spikert.model.SpikingBrainModel;
import io.spikert.model.checkpoint.AlignedSafetensors;
import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.spikert.model.convert.ConvertFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

class AlignedConversionTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"tiny/f32", "tiny/bf16-safetensors", "tiny/bf16-bin", "tiny-w8aspike"})
    void everyFixtureBecomesAlignedSafetensorsWithTheSameBytes(String fixture) throws IOException {
        Path src = Path.of("src/test/resources").resolve(fixture);
        Path dst = tmp.resolve("out");
        var cap = new Captured();
        var result = cap.converter().convert(new Converter.Options(src, dst, ConvertMode.ALIGNED, false));
        Path file = dst.resolve(Converter.OUTPUT_FILE);

        long[] dataStart = new long[1];
        var entries = header(file, dataStart);
        assertEquals(0, dataStart[0] % 64, "data section starts 64-aligned");
        for (var e : entries) {
            if (!e.name().startsWith(AlignedSafetensors.PADDING_PREFIX)) {
                assertEquals(0, (dataStart[0] + e.begin()) % 64, e.name() + " starts at a 64-byte file offset");
            }
        }
        try (var in = Checkpoints.open(src); var out = Checkpoints.open(dst)) {
            long pads = out.names().stream().filter(n -> n.startsWith(AlignedSafetensors.PADDING_PREFIX)).count();
            assertEquals(result.paddingTensors(), pads);
            assertEquals(in.names().size() + pads, out.names().size());
            for (String n : in.names()) {
                Tensor a = in.tensor(n);
                Tensor b = out.tensor(n);
                assertEquals(a.dtype(), b.dtype(), n);
                assertArrayEquals(a.shape(), b.shape(), n);
                assertEquals(-1, MemorySegment.mismatch(a.data(), 0, a.byteSize(), b.data(), 0, b.byteSize()), n);
                assertEquals(0, b.data().address() % 64, n + " mapped 64-aligned: no copy needed");
            }
        }
        assertArrayEquals(Files.readAllBytes(src.resolve("config.json")), Files.readAllBytes(dst.resolve("config.json")));
        assertTrue(cap.err().contains("writing") && cap.err().contains("verifying") && cap.err().contains("ETA"), cap.err());
        assertTrue(cap.out().contains("verified"), cap.out());
        assertOnly(tmp, "out");
    }

    @Test
    void alignedW8ASpikeLoadsAndGivesTheSameLogitsAsTheSource() throws IOException {
        Path dst = tmp.resolve("aligned");
        var r = new Captured().converter().convert(new Converter.Options(W8, dst, ConvertMode.ALIGNED, false));
        assertEquals(0, r.paddingTensors(), "every tensor of this model is a multiple of 64 bytes");
        int[] ids = {1, 7, 300, 42, 5, 77, 0, 511};
        try (var backend = new CpuBackend(2);
             var a = SpikingBrainModel.load(W8, backend);
             var b = SpikingBrainModel.load(dst, backend)) {
            var sa = a.newSession(4);
            var sb = b.newSession(4);
            for (int id : ids) {
                assertArrayEquals(sa.decode(id), sb.decode(id));
            }
        }
    }

    @Test
    void metadataDescribesAlignmentAndQuantisation() throws IOException {
        Path dst = tmp.resolve("aligned");
        new Captured().converter().convert(new Converter.Options(W8, dst, ConvertMode.ALIGNED, false));
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var meta = io.spikert.model.checkpoint.SafetensorsFile.open(dst.resolve(Converter.OUTPUT_FILE), arena).metadata();
            assertEquals("64", meta.get("spikert.alignment"));
            assertEquals("pt", meta.get("format"));
            assertTrue(meta.get("spikert.quantisation").startsWith("W8ASpike"), meta.toString());
        }
    }
}
