package io.spikert.model;

import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.KvPrecision;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link LoadOptions#kvCache} on SpikingBrain: a BF16 cache in the SWA layers keeps decode equal to chunked prefill,
 * halves the rings' bytes, and moves the logits only by BF16's rounding of keys and values; a W8ASpike model, whose
 * cache holds int8-quantised values exactly, refuses it naming the folder. (Qwen2's BF16 cache is checked against
 * the float64 reference in {@link Qwen2GoldenLogitsTest}.)
 */
class KvCacheOptionTest {
    @TempDir
    static Path dir;
    static CpuBackend backend;

    @BeforeAll
    static void write() throws IOException {
        TestModels.write(dir, TestModels.SMALL, DType.F32);
        backend = new CpuBackend(2);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Test
    void aBf16CacheDecodesAsItPrefillsAndHalvesTheRings() throws IOException {
        try (var f32 = SpikingBrainModel.load(dir, backend);
             var bf16 = SpikingBrainModel.load(dir, backend, LoadOptions.defaults().withKvCache(KvPrecision.BF16))) {
            int vocab = bf16.config().vocabSize();
            int[] ids = TestModels.ids(37, vocab, 3); // past the window: the ring wraps
            assertTrue(ids.length > bf16.config().slidingWindow() + 1, "the prompt must wrap the ring");
            float[] batched = new float[ids.length * vocab];
            try (Session s = bf16.newSession(8)) {
                s.prefill(ids, (i, logits, off) -> System.arraycopy(logits, off, batched, i * vocab, vocab));
            }
            try (Session s = bf16.newSession()) {
                for (int i = 0; i < ids.length; i++) {
                    double err = TestModels.relativeError(s.decode(ids[i]), 0, batched, i * vocab, vocab);
                    assertTrue(err < 1e-4, "token " + i + ": decode against chunked prefill, relative error " + err);
                }
            }
            float[] exact;
            try (Session s = f32.newSession(8)) {
                exact = s.prefill(ids).clone();
            }
            double err = TestModels.relativeError(batched, (ids.length - 1) * vocab, exact, 0, vocab);
            assertTrue(err > 0 && err < 2e-2, "BF16 keys and values move the last logits by rounding only: " + err);
            try (Session a = f32.newSession(); Session b = bf16.newSession()) {
                assertTrue(b.stateBytes() < a.stateBytes(), "the rings are smaller: " + b.stateBytes() + " vs " + a.stateBytes());
            }
        }
    }

    @Test
    void aW8ASpikeModelRefusesABf16CacheNamingTheFolder() {
        Path w8 = W8ASpikeGoldenTest.DIR;
        var e = assertThrows(CheckpointException.class,
                () -> SpikingBrainModel.load(w8, backend, LoadOptions.defaults().withKvCache(KvPrecision.BF16)).close());
        assertTrue(e.getMessage().contains(w8.toString()) && e.getMessage().contains("W8ASpike")
                && e.getMessage().contains("BF16"), e.getMessage());
    }
}
