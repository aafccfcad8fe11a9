package io.spikert.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.ffm.fake.FakeLaunch;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.KvPrecision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DeviceOps}'s launch geometry against the limits a real device enforces (the fake driver
 * refuses what a device refuses), at the 7B shape with prefill chunks as long as the published
 * window, where a fake run on the tiny checkpoints never goes; and the check-each-launch mode that
 * names the kernel of an asynchronous fault. Twins here only record launches: no memory is touched.
 */
class DeviceOpsLimitsTest {
    // SpikingBrain-7B (shared/spikingbrain-7b/config.json).
    static final int VOCAB = 152064, HIDDEN = 3584, HEADS = 28, KV_HEADS = 4, D = 128, INTER = 18944, WINDOW = 4096;
    static final int KV_DIM = KV_HEADS * D;

    private static FakeGpu gpu;
    private final List<FakeLaunch> launches = new ArrayList<>();

    @BeforeAll
    static void install() {
        gpu = FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        gpu.reset();
        launches.clear();
        for (KernelSpec k : KernelCatalog.kernels()) {
            gpu.registerKernel(k.name(), launches::add);
        }
    }

    private static DeviceOps ops(GpuDriver d) {
        d.useDevice(0);
        return new DeviceOps(d, KernelCatalog.load(d, "sm_90"), null);
    }

    /** Every operator the device-resident model issues for one chunk of {@code tokens} tokens at the 7B shape. */
    private static void sevenBChunk(DeviceOps ops, int tokens, long pos0) {
        long p = 0x1000; // never dereferenced: the twins only record
        DeviceMatrix bf16 = new DeviceMatrix("w", DType.BF16, INTER, HIDDEN, p);
        ops.gather(new DeviceMatrix("model.embeddings.weight", DType.BF16, VOCAB, HIDDEN, p), p, tokens, p);
        ops.ropeAngles(p, p, pos0, tokens, D, 1e6f);
        ops.rmsnorm(p, p, p, HIDDEN, tokens, 1e-6f);
        ops.linear(new DeviceMatrix("q", DType.BF16, HIDDEN, HIDDEN, p), p, tokens, p);
        ops.linear(new DeviceMatrix("k", DType.BF16, KV_DIM, HIDDEN, p), p, tokens, p);
        ops.linear(new DeviceMatrix("gk0", DType.BF16, 16, HIDDEN, p), p, tokens, p);
        ops.biasAct(p, p, KV_DIM, tokens, io.spikert.runtime.backend.Activation.LOG_SIGMOID, 16f);
        ops.rope(p, p, p, tokens, HEADS, D, HIDDEN);
        ops.rope(p, p, p, tokens, KV_HEADS, D, KV_DIM);
        ops.kvStore(KvPrecision.F32, p, p, p, p, tokens, KV_HEADS, D, WINDOW + tokens, pos0, KV_DIM);
        if (tokens == 1) {
            ops.swaDecode(KvPrecision.F32, p, p, p, p, p, DeviceOps.swaDecodeScratchBytes(HEADS, KV_HEADS, D, WINDOW + 1), HEADS, KV_HEADS, D,
                    WINDOW + 1, WINDOW + 1, pos0, 0.088f);
        } else {
            ops.swaAttend(KvPrecision.F32, p, p, p, p, tokens, HEADS, KV_HEADS, D, WINDOW + tokens, WINDOW + 1, pos0, 0.088f, HIDDEN, HIDDEN);
        }
        if (tokens == 1) {
            ops.glaStep(p, p, p, p, p, p, D, HEADS / KV_HEADS, 0.088f, KV_HEADS);
        } else {
            ops.glaChunk(p, p, p, p, p, p, D, HEADS / KV_HEADS, tokens, 0.088f, KV_HEADS, HIDDEN, KV_DIM, HIDDEN);
        }
        ops.rmsnorm(p, p, p, D, tokens * HEADS, 1e-6f);
        ops.add(p, p, tokens * HIDDEN);
        ops.linear(bf16, p, tokens, p);
        ops.siluMul(p, p, p, tokens * INTER);
        ops.linear(new DeviceMatrix("down", DType.BF16, HIDDEN, INTER, p), p, tokens, p);
        ops.linear(new DeviceMatrix("lm_head.weight", DType.BF16, VOCAB, HIDDEN, p), p, tokens, p);
    }

    @Test
    void everyOperatorOfThe7bShapeLaunchesWithinTheDeviceLimits() {
        try (GpuDriver d = Vendor.CUDA.open()) {
            DeviceOps ops = ops(d);
            for (int tokens : new int[] {1, 256, WINDOW, 65535}) {
                launches.clear();
                assertDoesNotThrow(() -> sevenBChunk(ops, tokens, 131072L - tokens), tokens + " tokens");
                // A decode step's attention is two launches: the splits and their merge.
                assertEquals(tokens == 1 ? 19 : 18, launches.size(), tokens + " tokens");
                for (FakeLaunch l : launches) {
                    int threads = l.blockX() * l.blockY() * l.blockZ();
                    assertTrue(threads % KernelCatalog.PTX_WARP_SIZE == 0, l.kernelName() + ": " + threads + " threads");
                    assertTrue(l.gridY() <= 65535 && threads <= 1024, l.kernelName());
                }
            }
        }
    }

    /** W8ASpike's own operators at the 7B shape: spiking, the INT8 products, the SWA quantisers. */
    @Test
    void theW8ASpikeOperatorsOfThe7bShapeLaunchWithinTheDeviceLimits() {
        try (GpuDriver d = Vendor.CUDA.open()) {
            DeviceOps ops = ops(d);
            long p = 0x1000;
            var up = new DeviceInt8Matrix("model.layers.0.mlp.up_proj", INTER, HIDDEN, p, p, p, p, p, 1000);
            var down = new DeviceInt8Matrix("model.layers.0.mlp.down_proj", HIDDEN, INTER, p, p, p, p, p, 1000);
            for (int tokens : new int[] {1, 256, WINDOW, 65535}) {
                launches.clear();
                assertDoesNotThrow(() -> {
                    ops.spikeEncode(p, p, p, HIDDEN, 3f, tokens);
                    ops.spikeLinear(up, p, p, tokens, p);
                    ops.int8Linear(down, p, tokens, p);
                    ops.spikeQuantize(p, D, 3f, tokens * HEADS);
                    ops.int8Quantize(p, D, tokens * KV_HEADS);
                }, tokens + " tokens");
                assertEquals(List.of("spike_encode", tokens == 1 ? "int8_matvec" : "spike_matmul", "int8_float_matmul",
                        "spike_quantize", "int8_quantize"), launches.stream().map(FakeLaunch::kernelName).toList());
                for (FakeLaunch l : launches) {
                    assertTrue(l.blockX() % KernelCatalog.PTX_WARP_SIZE == 0, l.kernelName() + ": " + l.blockX() + " threads");
                }
            }
        }
    }

    @Test
    void spikingIsRefusedWhereCountsCouldOverflowTheInt32GroupSumsOrKIsNotAThreshold() {
        try (GpuDriver d = Vendor.CUDA.open()) {
            DeviceOps ops = ops(d);
            // |x_i| <= n mean|x|: counts reach k n, and 128 x 127 x count must fit an int.
            int most = (int) ((Int8Weights.MAX_ABS_COUNT - 1) / 3f);
            assertDoesNotThrow(() -> ops.spikeEncode(1, 1, 1, most, 3f, 1));
            DeviceOpException wide = assertThrows(DeviceOpException.class, () -> ops.spikeEncode(1, 1, 1, most + 1, 3f, 1));
            assertTrue(wide.getMessage().startsWith("spike_encode: " + (most + 1) + " features"), wide.getMessage());
            for (float k : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY}) {
                DeviceOpException e = assertThrows(DeviceOpException.class, () -> ops.spikeQuantize(1, 128, k, 1));
                assertTrue(e.getMessage().startsWith("spike_quantize: threshold factor k"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> new DeviceInt8Matrix("w", 4, 100, 1, 1, 1, 1, 1, 0),
                    "inputs not a multiple of the scale group");
            assertEquals(1, launches.size(), "only the launch within the limits reached the driver");
        }
    }

    @Test
    void theDenseInt8ProductsRefuseMisalignedCodesCountsOrInputBeforeTheDriver() {
        try (GpuDriver d = Vendor.CUDA.open()) {
            DeviceOps ops = ops(d);
            long p = 0x1000;
            var up = new DeviceInt8Matrix("model.layers.0.mlp.up_proj", INTER, HIDDEN, p, p, p, p, p, 0);
            var shifted = new DeviceInt8Matrix("model.layers.0.mlp.gate_proj", INTER, HIDDEN, p + 8, p, p, p, p, 0);
            DeviceOpException counts = assertThrows(DeviceOpException.class, () -> ops.spikeLinear(up, p + 4, p, 1, p));
            assertTrue(counts.getMessage().startsWith("kernel int8_matvec (model.layers.0.mlp.up_proj): counts at 0x1004 is not "
                    + "16-byte aligned"), counts.getMessage());
            DeviceOpException chunk = assertThrows(DeviceOpException.class, () -> ops.spikeLinear(up, p + 4, p, 256, p));
            assertTrue(chunk.getMessage().startsWith("kernel spike_matmul"), chunk.getMessage());
            DeviceOpException codes = assertThrows(DeviceOpException.class, () -> ops.spikeLinear(shifted, p, p, 256, p));
            assertTrue(codes.getMessage().contains("codes at 0x1008"), codes.getMessage());
            DeviceOpException x = assertThrows(DeviceOpException.class, () -> ops.int8Linear(up, p + 12, 1, p));
            assertTrue(x.getMessage().startsWith("kernel int8_float_matmul (model.layers.0.mlp.up_proj): x at 0x100c"),
                    x.getMessage());
            assertEquals(0, launches.size(), "nothing misaligned reached the driver");
            assertEquals(0, ops.weightBytesRead(), "a refused product read nothing");
            ops.spikeLinear(up, p + 16, p, 1, p);
            ops.int8Linear(up, p + 32, 3, p);
            assertEquals(2, launches.size());
        }
    }

    @Test
    void aLaunchPastALimitIsRefusedBeforeItReachesTheDriverNamingKernelAndLimit() {
        try (GpuDriver d = Vendor.CUDA.open()) {
            DeviceOps ops = ops(d);
            // One block row per token: a prefill chunk of 65536 tokens is one past gridDim.y.
            DeviceOpException tooLong = assertThrows(DeviceOpException.class,
                    () -> ops.swaAttend(KvPrecision.F32, 1, 1, 1, 1, 65536, HEADS, KV_HEADS, D, WINDOW + 65536, WINDOW + 1, 0, 1f, HIDDEN, HIDDEN));
            assertTrue(tooLong.getMessage().startsWith("kernel swa_attend not launched on CUDA (grid 28x65536"), tooLong.getMessage());
            assertTrue(tooLong.getMessage().contains("gridDim.y 65536 > 65535"), tooLong.getMessage());
            // The scores and the kernel's static reduction partials share the 48 KB.
            int fits = (DeviceOps.SHARED_LIMIT - DeviceOps.SWA_STATIC_SHARED) / 4;
            assertDoesNotThrow(() -> ops.swaAttend(KvPrecision.F32, 1, 1, 1, 1, 1, HEADS, KV_HEADS, D, fits, fits, 0, 1f, HIDDEN, HIDDEN));
            DeviceOpException wide = assertThrows(DeviceOpException.class,
                    () -> ops.swaAttend(KvPrecision.F32, 1, 1, 1, 1, 1, HEADS, KV_HEADS, D, fits + 1, fits + 1, 0, 1f, HIDDEN, HIDDEN));
            assertTrue(wide.getMessage().contains("static"), wide.getMessage());
            DeviceOpException empty = assertThrows(DeviceOpException.class, () -> ops.rmsnorm(1, 1, 1, HIDDEN, 0, 1e-6f));
            assertTrue(empty.getMessage().contains("kernel rmsnorm") && empty.getMessage().contains("empty grid"), empty.getMessage());
            assertEquals(1, launches.size(), "only the launch within the limits reached the driver");
        }
    }

    @Test
    void geometryLimitsAreThoseOfTheHardware() {
        assertNull(DeviceOps.geometryProblem(Integer.MAX_VALUE, 65535, 1024, 1, 48 * 1024));
        assertNull(DeviceOps.geometryProblem(1, 1, 16, 64, 0));
        assertTrue(DeviceOps.geometryProblem(1, 65536, 32, 1, 0).contains("gridDim.y"));
        assertTrue(DeviceOps.geometryProblem(1, 1, 1025, 1, 0).contains("1025x1"));
        assertTrue(DeviceOps.geometryProblem(1, 1, 32, 33, 0).contains("32x33"));
        assertTrue(DeviceOps.geometryProblem(1, 1, 32, 1, 48 * 1024 + 1).contains("shared"));
        assertTrue(DeviceOps.geometryProblem(0, 1, 32, 1, 0).contains("empty"));
    }

    @Test
    void checkingEachLaunchReportsAnExecutionFaultAgainstItsKernel() {
        try (GpuDriver d = Vendor.CUDA.open()) {
            DeviceOps ops = ops(d);
            assertFalse(ops.checksEachLaunch(), "off unless asked for");
            ops.add(1, 1, 100);
            assertFalse(gpu.calls().contains("cuCtxSynchronize"), "no synchronisation per launch by default");

            ops.checkEachLaunch(true);
            // A fault while the kernel runs surfaces at the next synchronisation: CUDA_ERROR_LAUNCH_FAILED there.
            gpu.failNext("cuCtxSynchronize", 719);
            DeviceOpException e = assertThrows(DeviceOpException.class, () -> ops.siluMul(1, 1, 1, 100));
            assertTrue(e.getMessage().startsWith("kernel silu_mul failed on CUDA (grid 1x1, block 256x1, 0 shared bytes), "
                    + "launch or execution: cuCtxSynchronize"), e.getMessage());
            ops.add(1, 1, 100); // the next launch synchronises again and passes
            assertEquals("cuCtxSynchronize", gpu.calls().getLast());
        }
    }
}
