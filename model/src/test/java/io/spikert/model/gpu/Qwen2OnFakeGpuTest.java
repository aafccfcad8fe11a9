package io.spikert.model.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.model.ContextLimitException;
import io.spikert.model.LoadOptions;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.backend.KvPrecision;
import io.spikert.runtime.gpu.FakeKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Qwen2 device-resident on the fake GPU (every kernel launch run by its scalar twin): the tiny sharded BF16 Qwen2's
 * prefill logits against the float64 reference's golden values, its decode steps against the CPU backend's, and its
 * context limit enforced there too, with no device memory left after close.
 */
class Qwen2OnFakeGpuTest {
    static final Path TINY = Path.of("src/test/resources/qwen2-tiny");
    static final int CHUNK = 8;

    @BeforeAll
    static void installFakeGpu() {
        FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        FakeGpu.shared().reset();
        FakeKernels.register(FakeGpu.shared());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void qwen2RunsOnTheDeviceAsTheReferenceAndTheCpuDo(Vendor vendor) throws IOException {
        Path dir = TINY.resolve("bf16-sharded");
        int[] ids = new ObjectMapper().readValue(TINY.resolve("golden/ids.json").toFile(), int[].class);
        float[] golden = floats(Files.readAllBytes(TINY.resolve("golden/logits-bf16-sharded.bin")));
        int[] next = BaseModelOnFakeGpuTest.ids(6, 9);
        float[][] cpuSteps = new float[next.length][];
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(dir, cpu); Session s = model.newSession(CHUNK)) {
            s.prefill(ids);
            for (int i = 0; i < next.length; i++) {
                cpuSteps[i] = s.decode(next[i]).clone();
            }
        }
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(dir, gpu); Session s = model.newSession(CHUNK)) {
            int vocab = model.config().vocabSize();
            s.prefill(ids, (i, logits, off) -> {
                float[] row = Arrays.copyOfRange(logits, off, off + vocab);
                float[] want = Arrays.copyOfRange(golden, i * vocab, (i + 1) * vocab);
                double err = BaseModelOnFakeGpuTest.relativeError(row, want);
                assertTrue(err <= 1e-4, vendor + ": prompt token " + i + " relative logit error " + err);
            });
            for (int i = 0; i < next.length; i++) {
                double err = BaseModelOnFakeGpuTest.relativeError(s.decode(next[i]), cpuSteps[i]);
                assertTrue(err <= 1e-3, vendor + ": decode step " + i + " relative logit error " + err);
            }
            s.prefill(Arrays.copyOf(ids, 64 - ids.length - next.length));
            assertThrows(ContextLimitException.class, () -> s.decode(1));
            assertEquals(64, s.position());
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after close");
        assertTrue(FakeGpu.shared().failures().isEmpty(), FakeGpu.shared().failures().toString());
    }

    /**
     * A BF16 key/value cache on the device (the ring kernels' _bf16 twins): prefill logits within 1e-4 of the
     * float64 reference that rounds every key and value to BF16 as it enters the cache (and more than 1e-3 from the
     * F32 cache's, so the check tells the caches apart), decode steps within 1e-3 of the CPU's BF16 cache, half the
     * F32 cache's device bytes, and nothing left allocated.
     */
    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aBf16KeyValueCacheRunsOnTheDeviceAsTheReferenceThatRoundsIt(Vendor vendor) throws IOException {
        Path dir = TINY.resolve("bf16-sharded");
        int[] ids = new ObjectMapper().readValue(TINY.resolve("golden/ids.json").toFile(), int[].class);
        float[] golden = floats(Files.readAllBytes(TINY.resolve("golden/logits-bf16-sharded-kv-bf16.bin")));
        float[] f32Golden = floats(Files.readAllBytes(TINY.resolve("golden/logits-bf16-sharded.bin")));
        LoadOptions bf16 = LoadOptions.defaults().withKvCache(KvPrecision.BF16);
        int[] next = BaseModelOnFakeGpuTest.ids(6, 13);
        float[][] cpuSteps = new float[next.length][];
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(dir, cpu, bf16); Session s = model.newSession(CHUNK)) {
            s.prefill(ids);
            for (int i = 0; i < next.length; i++) {
                cpuSteps[i] = s.decode(next[i]).clone();
            }
        }
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(dir, gpu, bf16);
             var f32 = SpikingBrainModel.load(dir, gpu); Session s = model.newSession(CHUNK); Session full = f32.newSession(CHUNK)) {
            int vocab = model.config().vocabSize();
            s.prefill(ids, (i, logits, off) -> {
                float[] row = Arrays.copyOfRange(logits, off, off + vocab);
                double err = BaseModelOnFakeGpuTest.relativeError(row, Arrays.copyOfRange(golden, i * vocab, (i + 1) * vocab));
                assertTrue(err <= 1e-4, vendor + ": prompt token " + i + " relative logit error " + err + " against the BF16-cache reference");
                if (i == ids.length - 1) {
                    double f32Err = BaseModelOnFakeGpuTest.relativeError(row, Arrays.copyOfRange(f32Golden, i * vocab, (i + 1) * vocab));
                    assertTrue(f32Err > 1e-3, vendor + ": the BF16 cache's logits must differ from the F32 cache's: " + f32Err);
                }
            });
            for (int i = 0; i < next.length; i++) {
                double err = BaseModelOnFakeGpuTest.relativeError(s.decode(next[i]), cpuSteps[i]);
                assertTrue(err <= 1e-3, vendor + ": decode step " + i + " relative logit error " + err + " against the CPU's BF16 cache");
            }
            assertEquals(full.stateBytes(), 2 * s.stateBytes(), "a Qwen2 session's device state is its cache: half the bytes at BF16");
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after close");
        assertTrue(FakeGpu.shared().failures().isEmpty(), FakeGpu.shared().failures().toString());
    }

    private static float[] floats(byte[] bytes) {
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
