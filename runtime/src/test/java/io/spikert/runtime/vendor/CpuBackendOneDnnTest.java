package io.spikert.runtime.vendor;

import io.spikert.kernels.Bf16;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.DType;
import io.spikert.runtime.Precision;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.VendorMath;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.SpikeKernel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CPU backend's products through oneDNN (the copy the test class path carries), against a float64 reference
 * written here over the same inputs: FP32 activations (three exact BF16 parts where the CPU has a BF16 matmul, as
 * they are where oneDNN multiplies FP32 activations by BF16 weights, AVX2) and BF16 activations (rounded to nearest
 * even); and the Vector API path of a backend with the library off, held to the same reference. Each case checks
 * that oneDNN took the products it should ({@link CpuBackend#vendorProducts}). On a CPU where oneDNN has neither
 * kernel the backend refuses it by name instead, which {@link CpuBackendOneDnnRefusalTest} checks; these tests then
 * cannot run and say so.
 */
class CpuBackendOneDnnTest {
    static ComputePool pool;
    static CpuBackend withLibrary;
    static CpuBackend without;
    /** Why {@code withLibrary} could not be made here, or null. */
    static IllegalStateException refused;
    static final Arena ARENA = Arena.ofShared();

    @BeforeAll
    static void open() {
        pool = new ComputePool(2);
        Tuning d = Tuning.defaults();
        without = new CpuBackend(pool, false, tuning(VendorMath.OFF, 4));
        assertFalse(without.usesVendorMath());
        assertEquals(d.vendorMath(), VendorMath.AUTO);
        try {
            withLibrary = new CpuBackend(pool, false, tuning(VendorMath.REQUIRE, 4));
        } catch (IllegalStateException e) {
            refused = e;
            return;
        }
        assertTrue(withLibrary.usesVendorMath(), withLibrary.vendorMath());
        assertTrue(withLibrary.name().contains("oneDNN 3."), withLibrary.name());
    }

    /** Each case says, as a skip, why it cannot run where the library was refused (reported once per case). */
    @BeforeEach
    void needsTheLibrary() {
        assumeTrue(refused == null, () -> "oneDNN cannot run here: " + refused.getMessage());
    }

    static Tuning tuning(VendorMath math, int from) {
        Tuning d = Tuning.defaults();
        return new Tuning(d.sparseFromSilentShare(), d.spikeBatchFromTokens(), d.batchTileTokens(), d.maxBlockRows(),
                d.batchFloatOnly(), d.checkEachLaunch(), math, from);
    }

    @AfterAll
    static void close() {
        if (withLibrary != null) {
            withLibrary.close();
        }
        if (without != null) {
            without.close();
        }
        pool.close();
    }

    private static final SplittableRandom RANDOM = new SplittableRandom(17);

    static Tensor bf16Weight(int out, int in) {
        MemorySegment s = ARENA.allocate((long) out * in * 2, 64);
        for (long i = 0; i < (long) out * in; i++) {
            s.setAtIndex(ValueLayout.JAVA_SHORT, i, Bf16.bits((float) (RANDOM.nextGaussian() / Math.sqrt(in))));
        }
        return new Tensor("test.weight", DType.BF16, new long[] {out, in}, s);
    }

    static float[] activations(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (RANDOM.nextGaussian() * (1 + RANDOM.nextInt(4)));
        }
        return x;
    }

    /** Checks y against sum_k x'[t,k] w[o,k] in float64 (x' = x, or x rounded to BF16), within FP32 rounding. */
    static void assertProduct(Tensor w, float[] x, int xOff, int tokens, float[] y, int yOff, boolean roundX, String who) {
        int out = (int) w.dim(0), in = (int) w.dim(1);
        double worst = 0;
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < out; o++) {
                double ref = 0, mag = 0;
                for (int k = 0; k < in; k++) {
                    double a = roundX ? Bf16.round(x[xOff + t * in + k]) : x[xOff + t * in + k];
                    double b = Bf16.value(w.data().getAtIndex(ValueLayout.JAVA_SHORT, (long) o * in + k));
                    ref += a * b;
                    mag += Math.abs(a * b);
                }
                double err = Math.abs(y[yOff + t * out + o] - ref) / mag;
                worst = Math.max(worst, err);
            }
        }
        // FP32 sums of exact products: within a few units of 2^-24 of the sum of magnitudes
        assertTrue(worst < 2e-6, who + ": worst error " + worst + " of the sum of magnitudes");
    }

    /** Runs {@code products} and checks oneDNN took {@code expected} of them. */
    static void throughOneDnn(Runnable products, long expected) {
        long before = withLibrary.vendorProducts();
        products.run();
        assertEquals(expected, withLibrary.vendorProducts() - before, "products oneDNN took (" + withLibrary.vendorMath() + ")");
    }

    @Test
    void fp32ActivationsThroughOneDnnMatchTheReference() {
        Tensor w = bf16Weight(200, 384);
        float[] x = activations(3 + 40 * 384);
        float[] y = new float[5 + 40 * 200];
        throughOneDnn(() -> withLibrary.linear(w, x, 3, 40, y, 5), 1);
        assertProduct(w, x, 3, 40, y, 5, false, "oneDNN, fp32 activations");
        float[] javaY = new float[y.length];
        without.linear(w, x, 3, 40, javaY, 5);
        assertProduct(w, x, 3, 40, javaY, 5, false, "Vector API, fp32 activations");
        assertEquals(0f, y[4], "nothing written before yOff");
    }

    /** An output over the scratch bound (lm_head over a whole chunk, say) goes in slices of the weight's rows. */
    @Test
    void aWideOutputGoesInSlicesOfRows() {
        Tensor w = bf16Weight(200_003, 16);
        float[] x = activations(40 * 16);
        float[] y = new float[40 * 200_003 + 1];
        y[y.length - 1] = 42f;
        throughOneDnn(() -> withLibrary.linear(w, x, 0, 40, y, 0), 1);
        assertProduct(w, x, 0, 40, y, 0, false, "three slices of rows, the last short");
        assertEquals(42f, y[y.length - 1], "nothing written past the output");
    }

    @Test
    void bf16ActivationsRoundBeforeTheProductOnBothPaths() {
        int tokens = 40;
        Tensor w = bf16Weight(96, 256);
        float[] x = activations(tokens * 256);
        float[] y = new float[tokens * 96];
        float[] javaY = new float[tokens * 96];
        try {
            withLibrary.precision(Precision.BF16);
            without.precision(Precision.BF16);
            throughOneDnn(() -> withLibrary.linear(w, x, 0, tokens, y, 0), 1);
            without.linear(w, x, 0, tokens, javaY, 0);
        } finally {
            withLibrary.precision(Precision.FP32);
            without.precision(Precision.FP32);
        }
        assertProduct(w, x, 0, tokens, y, 0, true, "oneDNN, bf16 activations");
        assertProduct(w, x, 0, tokens, javaY, 0, true, "Vector API, bf16 activations");
        // and they differ from the fp32-activation product by more than rounding: the option does something
        float[] exact = new float[tokens * 96];
        without.linear(w, x, 0, tokens, exact, 0);
        double diff = 0;
        for (int i = 0; i < exact.length; i++) {
            diff = Math.max(diff, Math.abs(exact[i] - javaY[i]));
        }
        assertTrue(diff > 1e-4, "bf16 activations change the products, max diff " + diff);
    }

    @Test
    void belowTheCrossoverAndForFloatWeightsTheVectorApiRuns() {
        Tensor w = bf16Weight(64, 128);
        float[] x = activations(3 * 128);
        float[] a = new float[3 * 64], b = new float[3 * 64];
        throughOneDnn(() -> withLibrary.linear(w, x, 0, 3, a, 0), 0);
        without.linear(w, x, 0, 3, b, 0);
        assertArrayEquals(b, a, "3 tokens < vendorFromTokens 4: the same kernel, the same bits");
        // where oneDNN multiplies FP32 activations (no BF16 matmul) its crossover is higher: below it, the Vector API too
        int from = withLibrary.vendorFromTokens();
        assertTrue(from == 4 || from == CpuBackend.F32_ACTIVATION_VENDOR_FROM_TOKENS, withLibrary.vendorMath());
        float[] xb = activations((from - 1) * 128);
        float[] e = new float[(from - 1) * 64], g = new float[(from - 1) * 64];
        throughOneDnn(() -> withLibrary.linear(w, xb, 0, from - 1, e, 0), 0);
        without.linear(w, xb, 0, from - 1, g, 0);
        assertArrayEquals(g, e, (from - 1) + " tokens, one below the crossover: the Vector API's bits");

        MemorySegment f = ARENA.allocate(64L * 128 * 4, 64);
        for (long i = 0; i < 64L * 128; i++) {
            f.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) RANDOM.nextGaussian());
        }
        Tensor f32 = new Tensor("test.f32", DType.F32, new long[] {64, 128}, f);
        float[] x16 = activations(16 * 128);
        float[] c = new float[16 * 64], d = new float[16 * 64];
        throughOneDnn(() -> withLibrary.linear(f32, x16, 0, 16, c, 0), 0);
        without.linear(f32, x16, 0, 16, d, 0);
        assertArrayEquals(d, c, "F32 weights stay on the Vector API");
    }

    /**
     * W8ASpike's batched spike product through oneDNN's INT8 matmul against the Vector API kernels, bit for bit:
     * codes beyond +-127 (exact residuals), two channel blocks (the last short), row chunks inside a block (28
     * groups of 40 tokens make 384-row chunks of 512-row blocks), silent channels; and a batch with a count beyond
     * int8, which stays on the Vector API kernels, equal too.
     */
    @Test
    void spikeProductsThroughTheInt8MatmulAreTheBatchedKernelsBitForBit() {
        int rows = 1000, cols = 3584, tokens = 40;
        SplittableRandom r = new SplittableRandom(23);
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = r.nextInt(-127, 128);
        }
        for (int k = 0; k < 3000; k++) {
            codes[r.nextInt(codes.length)] = r.nextBoolean() ? r.nextInt(128, 400) : -r.nextInt(129, 400);
        }
        float[] scales = new float[rows * (cols / Int8Weights.GROUP)];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.0005f + (float) r.nextDouble() * 0.01f;
        }
        Int8Weights w = Int8Weights.fromCodes(ARENA, codes, rows, cols, scales, 4 * Int8Weights.TILE);
        assertTrue(w.outlierCount() > 0 && rows > w.blockRows(), "outliers and several blocks");
        int[] counts = new int[5 + tokens * cols];
        for (int i = 5; i < counts.length; i++) {
            counts[i] = (i % 7 == 0 || r.nextDouble() < 0.3) ? 0 : r.nextInt(-127, 128);
        }
        float[] vth = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            vth[t] = 0.01f + (float) r.nextDouble();
        }
        for (boolean beyondInt8 : new boolean[] {false, true}) {
            if (beyondInt8) {
                counts[5 + 17 * cols + 100] = 300;
            }
            float[] expected = new float[3 + tokens * rows];
            float[] actual = new float[3 + tokens * rows];
            java.util.Arrays.fill(expected, Float.NaN);
            java.util.Arrays.fill(actual, Float.NaN);
            SpikeKernel[] javaKernels = without.spikeLinearBatch(w, counts, 5, vth, tokens, expected, 3);
            long before = withLibrary.vendorProducts();
            SpikeKernel[] used = withLibrary.spikeLinearBatch(w, counts, 5, vth, tokens, actual, 3);
            boolean throughOneDnn = !beyondInt8 && withLibrary.usesVendorSpikeProducts();
            assertEquals(throughOneDnn ? 1 : 0, withLibrary.vendorProducts() - before, "products oneDNN took");
            assertEquals(throughOneDnn ? SpikeKernel.INT8_GEMM : javaKernels[0], used[0], "which kernel ran");
            for (int i = 0; i < actual.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                        (beyondInt8 ? "beyond int8, " : "") + "y[" + i + "]: " + expected[i] + " vs " + actual[i]);
            }
        }
    }

    /**
     * W8ASpike's float-input INT8 product (down_proj) through oneDNN's BF16 matmul, against a float64 reference over
     * code(r, c) x scale(r, c / 128) (outliers included): FP32 activations within FP32 rounding, BF16 activations (both
     * paths round them) within the rounding of the weight's dropped third part; the Vector API path held to the same.
     */
    @Test
    void floatInputInt8ProductsMatchTheReferenceAtBothPrecisions() {
        int rows = 1000, cols = 640, tokens = CpuBackend.INT8_FLOAT_VENDOR_FROM_TOKENS + 5;
        SplittableRandom r = new SplittableRandom(29);
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = r.nextInt(-127, 128);
        }
        for (int k = 0; k < 3000; k++) {
            codes[r.nextInt(codes.length)] = r.nextBoolean() ? r.nextInt(128, 400) : -r.nextInt(129, 400);
        }
        float[] scales = new float[rows * (cols / Int8Weights.GROUP)];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.0005f + (float) r.nextDouble() * 0.01f;
        }
        Int8Weights w = Int8Weights.fromCodes(ARENA, codes, rows, cols, scales, 4 * Int8Weights.TILE);
        assertTrue(w.outlierCount() > 0 && rows > w.blockRows(), "outliers and several blocks");
        float[] x = activations(7 + tokens * cols);
        for (Precision precision : Precision.values()) {
            boolean round = precision == Precision.BF16;
            for (CpuBackend backend : new CpuBackend[] {withLibrary, without}) {
                float[] y = new float[3 + tokens * rows + 2];
                java.util.Arrays.fill(y, 42f);
                long before = backend.vendorProducts();
                try {
                    backend.precision(precision);
                    backend.int8LinearBatch(w, x, 7, tokens, y, 3);
                } finally {
                    backend.precision(Precision.FP32);
                }
                assertEquals(backend.usesVendorInt8FloatProducts() ? 1 : 0, backend.vendorProducts() - before,
                        "products oneDNN took (none where it has no BF16 matmul: " + backend.vendorMath() + ")");
                double worst = 0;
                for (int t = 0; t < tokens; t++) {
                    for (int o = 0; o < rows; o++) {
                        double ref = 0, mag = 0;
                        for (int k = 0; k < cols; k++) {
                            float xk = x[7 + t * cols + k];
                            double a = round ? Bf16.round(xk) : xk;
                            double b = (double) (float) (w.code(o, k) * (double) w.scale(o, k / Int8Weights.GROUP));
                            ref += a * b;
                            mag += Math.abs(a * b);
                        }
                        worst = Math.max(worst, Math.abs(y[3 + t * rows + o] - ref) / mag);
                    }
                }
                String who = (backend == withLibrary ? "oneDNN" : "Vector API") + ", " + precision + " activations";
                // FP32: exact part products (and three left out, below 3 x 2^-24 of each) summed in FP32;
                // BF16: the weight's third part (at most 2^-16 of it) left out as well
                assertTrue(worst < (round ? 3e-5 : 2e-6), who + ": worst error " + worst + " of the sum of magnitudes");
                assertEquals(42f, y[2], who + ": nothing written before yOff");
                assertEquals(42f, y[y.length - 2], who + ": nothing written past the output");
            }
        }
        // below the float-input product's own crossover the Vector API runs: the same bits as the backend without oneDNN
        int few = CpuBackend.INT8_FLOAT_VENDOR_FROM_TOKENS - 1;
        float[] a = new float[few * rows];
        float[] b = new float[few * rows];
        withLibrary.int8LinearBatch(w, x, 7, few, a, 0);
        without.int8LinearBatch(w, x, 7, few, b, 0);
        assertArrayEquals(b, a, few + " tokens: the Vector API kernel on both backends");
    }

    @Test
    void manyShapesReuseOrReplaceCachedPrimitives() {
        for (int n = 4; n < 80; n += 7) {
            int tokens = n;
            Tensor w = bf16Weight(32 + tokens, 64);
            float[] x = activations(tokens * 64);
            float[] y = new float[tokens * (32 + tokens)];
            throughOneDnn(() -> withLibrary.linear(w, x, 0, tokens, y, 0), tokens >= withLibrary.vendorFromTokens() ? 1 : 0);
            assertProduct(w, x, 0, tokens, y, 0, false, tokens + " tokens");
        }
    }
}
