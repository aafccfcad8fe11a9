package io.spikert.model.convert;

import io.spikert.model.checkpoint.AlignedSafetensors;
import io.spikert.model.checkpoint.SafetensorsFile;
import io.spikert.runtime.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static io.spikert.model.convert.ConvertFixtures.header;
import static org.junit.jupiter.api.Assertions.*;

class AlignedSafetensorsWriterTest {
    @TempDir
    Path tmp;

    private static OutputTensor floats(String name, int n, float base) {
        return new OutputTensor(name, DType.F32, new long[] {n}, Streams.f32(n, i -> base + i));
    }

    @Test
    void raggedTensorsGetPaddingAndStayReadable() throws IOException {
        var w = new AlignedSafetensorsWriter().putMetadata("k", "v");
        w.add(floats("a", 3, 1f)).add(floats("b", 16, 10f)).add(floats("c", 5, 100f)).add(floats("d", 7, 1000f))
                .add(new OutputTensor("e", DType.I8, new long[] {0}, out -> { }));
        Path file = tmp.resolve("x.safetensors");
        w.write(file, n -> { });
        long[] start = new long[1];
        var entries = header(file, start);
        assertEquals(0, start[0] % 64);
        for (var e : entries) {
            if (!e.name().startsWith(AlignedSafetensors.PADDING_PREFIX)) {
                assertEquals(0, (start[0] + e.begin()) % 64, e.name());
            }
        }
        // a (12 B) and c (20 B) need fillers; d is last and needs none; b and the empty e are multiples of 64.
        assertEquals(2, entries.stream().filter(e -> e.name().startsWith(AlignedSafetensors.PADDING_PREFIX)).count());
        try (Arena arena = Arena.ofConfined()) {
            var f = SafetensorsFile.open(file, arena);
            assertEquals(Map.of("k", "v"), f.metadata());
            assertArrayEquals(new float[] {1f, 2f, 3f}, f.tensors().get("a").toFloatArray());
            assertEquals(100f + 4, f.tensors().get("c").toFloatArray()[4]);
            assertEquals(1006f, f.tensors().get("d").toFloatArray()[6]);
            assertEquals(0, f.tensors().get("e").elementCount());
        }
    }

    @Test
    void verificationCatchesACorruptedByte() throws IOException {
        var w = new AlignedSafetensorsWriter();
        w.add(floats("a", 16, 0f)).add(floats("b", 16, 50f));
        Path file = tmp.resolve("x.safetensors");
        w.write(file, n -> { });
        List<AlignedSafetensorsWriter.Placed> layout = w.layout();
        Verifier.verify(file, layout, Map.of(), n -> { });
        long[] start = new long[1];
        long bBegin = header(file, start).stream().filter(e -> e.name().equals("b")).findFirst().orElseThrow().begin();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 99f), start[0] + bBegin + 8);
            // b[2] = 52f is 00 00 50 42 and 99f is 00 00 C6 42: the first differing byte is 10
            
        }
        var e = assertThrows(ConvertException.class, () -> Verifier.verify(file, layout, Map.of(), n -> { }));
        assertTrue(e.getMessage().contains("tensor b differs") && e.getMessage().contains("byte 10"), e.getMessage());
    }

    @Test
    void progressLineShowsBytesThroughputAndEta() {
        String s = ProgressBar.line("writing", 512L << 20, 1024L << 20, 2_000_000_000L);
        assertTrue(s.contains(" 50.0%"), s);
        assertTrue(s.contains("512.0 MiB / 1.0 GiB"), s);
        assertTrue(s.contains("256.0 MiB/s"), s);
        assertTrue(s.endsWith("ETA 0:00:02"), s);
        var out = new java.io.ByteArrayOutputStream();
        long[] now = {0};
        var bar = new ProgressBar(new java.io.PrintStream(out, true), "x", 100, true, () -> now[0]); // a terminal
        bar.update(10);
        now[0] = 1_000_000L; // 1 ms later: not redrawn
        bar.update(20);
        bar.finish();
        assertEquals(2, out.toString().split("\r", -1).length - 1, out.toString());
    }
}
