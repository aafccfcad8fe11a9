package io.spikert.bench.harness;

import io.spikert.model.checkpoint.Checkpoints;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class HarnessPartsTest {
    @Test
    void predictedSizeAndDecodeTrafficMatchAWrittenCheckpoint(@TempDir Path dir) throws IOException {
        var d = new SyntheticCheckpoint.Dims(500, 32, 3, 2, 1, 64, 8);
        SyntheticCheckpoint.write(dir, d, DType.BF16, 1L, b -> { }, false);
        try (var ckpt = Checkpoints.open(dir)) {
            assertEquals(ckpt.totalBytes(), SyntheticSize.weightBytes(d, DType.BF16));
            var traffic = DecodeTraffic.of(ckpt);
            assertEquals(500L * 32 * 2, traffic.lmHeadBytes());
            assertEquals(32L * 2, traffic.embeddingRowBytes());
            // every 2-D weight except the embedding table is read once per token
            long linear = 0;
            for (String n : ckpt.names()) {
                var t = ckpt.tensor(n);
                if (t.rank() == 2 && !n.equals(DecodeTraffic.EMBEDDINGS) && !n.equals(DecodeTraffic.LM_HEAD)) {
                    linear += t.byteSize();
                }
            }
            assertEquals(linear, traffic.linearBytes());
        }
        assertEquals(15_233_085_952L, SyntheticSize.weightBytes(SyntheticCheckpoint.Dims.SEVEN_B, DType.BF16),
                "MODEL.md: 7,616,542,976 parameters in bf16");
    }

    @Test
    void bandwidthProbeSumsEveryByte() {
        try (var arena = Arena.ofConfined()) {
            var seg = arena.allocate(8L * 1000 + 8, 64).asSlice(0, 8L * 1000);
            long expected = 0;
            for (int i = 0; i < 1000; i++) {
                seg.setAtIndex(ValueLayout.JAVA_LONG, i, i * 7L - 300);
                expected += i * 7L - 300;
            }
            assertEquals(expected, BandwidthProbe.sum(seg));
        }
    }

    @Test
    void optionErrorsNameTheOption() {
        var e = assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse(new String[] {"--shape", "13b"}));
        assertTrue(e.getMessage().contains("13b") || e.getMessage().contains("--shape"), e.getMessage());
        assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse(new String[] {"--prompt-tokens", "0"}));
        assertThrows(BenchOptions.UsageException.class, () -> BenchOptions.parse(new String[] {"--frobnicate"}));
        assertEquals(512, BenchOptions.parse(new String[0]).promptTokens());
    }

    /** The paired read of W8ASpike: exactly the bytes a step streamed, from the front of the weights, the last piece cut. */
    @Test
    void firstBytesTakesExactlyTheBytesAsked() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var a = arena.allocate(100);
            var b = arena.allocate(50);
            var c = arena.allocate(70);
            var taken = PairedDecode.firstBytes(java.util.List.of(a, b, c), 130);
            assertEquals(2, taken.size());
            assertEquals(100, taken.get(0).byteSize());
            assertEquals(30, taken.get(1).byteSize());
            assertEquals(b.address(), taken.get(1).address());
            assertEquals(220, PairedDecode.firstBytes(java.util.List.of(a, b, c), 1000).stream()
                    .mapToLong(java.lang.foreign.MemorySegment::byteSize).sum(), "all of them when they hold fewer");
            assertEquals(0, PairedDecode.firstBytes(java.util.List.of(a, b, c), 0).size());
        }
    }
}
