package io.spikert.runtime.backend;

import io.spikert.kernels.MatVecScalar;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.memory.NativeMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The backend's row split across threads must give the scalar product for every row and token. */
class CpuBackendTest {
    @Test
    void linearMatchesTheScalarProductForOneAndManyTokens() {
        var r = new SplittableRandom(1);
        int rows = 203, cols = 97;
        try (var arena = Arena.ofShared(); var backend = VectorApiBackends.of(2)) {
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                var seg = NativeMemory.allocate(arena, (long) rows * cols * dtype.byteSize());
                for (long i = 0; i < (long) rows * cols; i++) {
                    float v = (float) r.nextGaussian();
                    if (dtype == DType.F32) {
                        seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, v);
                    } else {
                        seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                                (short) (Float.floatToRawIntBits(v) >>> 16));
                    }
                }
                var w = new Tensor("w", dtype, new long[] {rows, cols}, seg);
                backend.checkWeight(w);
                for (int tokens : new int[] {1, 5}) {
                    float[] x = new float[3 + tokens * cols];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) r.nextGaussian();
                    }
                    float[] y = new float[2 + tokens * rows];
                    backend.linear(w, x, 3, tokens, y, 2);
                    float[] ref = new float[rows];
                    for (int t = 0; t < tokens; t++) {
                        if (dtype == DType.F32) {
                            MatVecScalar.f32(seg, cols, x, 3 + t * cols, ref, 0, 0, rows);
                        } else {
                            MatVecScalar.bf16(seg, cols, x, 3 + t * cols, ref, 0, 0, rows);
                        }
                        for (int i = 0; i < rows; i++) {
                            assertEquals(ref[i], y[2 + t * rows + i], 1e-4f * (1 + Math.abs(ref[i])),
                                    dtype + " tokens=" + tokens + " t=" + t + " row " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void refusesWeightsItCannotMultiplyNamingThem() {
        try (var arena = Arena.ofConfined(); var backend = VectorApiBackends.of(1)) {
            var i8 = new Tensor("model.x.weight", DType.I8, new long[] {4, 4}, arena.allocate(16));
            var e = assertThrows(IllegalArgumentException.class, () -> backend.checkWeight(i8));
            assertTrue(e.getMessage().contains("model.x.weight") && e.getMessage().contains("I8"), e.getMessage());
            var vec = new Tensor("model.norm.weight", DType.F32, new long[] {4}, arena.allocate(16));
            assertThrows(IllegalArgumentException.class, () -> backend.checkWeight(vec));
        }
    }

    @Test
    void spikeLinearPicksItsKernelFromTheSilentShareAndBothAgree() {
        var r = new SplittableRandom(3);
        int rows = 300, cols = 256;
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = r.nextInt(-200, 201); // beyond int8 too: the outlier correction is exercised
        }
        float[] scales = new float[rows * cols / 128];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.001f + r.nextFloat() * 0.01f;
        }
        int[] counts = new int[cols];
        for (int i = 0; i < cols; i++) {
            counts[i] = i % 2 == 0 ? 0 : r.nextInt(-9, 10); // at least half silent
        }
        try (var arena = Arena.ofShared(); var backend = VectorApiBackends.of(2)) {
            var w = io.spikert.kernels.spike.Int8Weights.fromCodes(arena, codes, rows, cols, scales);
            float[] sparse = new float[rows];
            float[] dense = new float[rows];
            assertEquals(SpikeKernel.SPARSE_EVENTS, backend.sparseFromSilentShare(0.4).spikeLinear(w, counts, 0, 0.5f, sparse, 0));
            assertEquals(SpikeKernel.DENSE_INT8, backend.sparseFromSilentShare(0.9).spikeLinear(w, counts, 0, 0.5f, dense, 0));
            for (int row = 0; row < rows; row++) {
                double expected = 0; // the fake-quant sum, independently
                for (int c = 0; c < cols; c++) {
                    expected += 0.5 * counts[c] * (codes[row * cols + c] * (double) scales[row * (cols / 128) + c / 128]);
                }
                assertEquals(expected, sparse[row], 1e-4 * (1 + Math.abs(expected)), "sparse row " + row);
                assertEquals(expected, dense[row], 1e-4 * (1 + Math.abs(expected)), "dense row " + row);
            }
        }
    }

    @Test
    void spikeLinearSharesOneChannelListAcrossThreadsAtAnOffsetWithOrWithoutSilentChannels() {
        var r = new SplittableRandom(5);
        int rows = 520, cols = 384, cOff = 7;
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = r.nextInt(-180, 181);
        }
        float[] scales = new float[rows * cols / 128];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.001f + r.nextFloat() * 0.01f;
        }
        try (var arena = Arena.ofShared(); var backend = VectorApiBackends.of(2)) {
            var w = io.spikert.kernels.spike.Int8Weights.fromCodes(arena, codes, rows, cols, scales);
            for (double silentShare : new double[] {0, 0.3}) {
                int[] counts = new int[cOff + cols + 3];
                java.util.Arrays.fill(counts, 1000); // outside the input: must not be read
                for (int c = 0; c < cols; c++) {
                    counts[cOff + c] = r.nextDouble() < silentShare ? 0 : r.nextInt(1, 12) * (r.nextBoolean() ? 1 : -1);
                }
                for (double threshold : new double[] {0.1, 2}) {
                    float[] y = new float[rows + 4];
                    java.util.Arrays.fill(y, Float.NaN);
                    SpikeKernel kernel = backend.sparseFromSilentShare(threshold).spikeLinear(w, counts, cOff, 0.25f, y, 2);
                    assertEquals(silentShare > 0 && threshold < 1 ? SpikeKernel.SPARSE_EVENTS : SpikeKernel.DENSE_INT8, kernel);
                    for (int row = 0; row < rows; row++) {
                        double expected = 0;
                        for (int c = 0; c < cols; c++) {
                            expected += 0.25 * counts[cOff + c] * (codes[row * cols + c] * (double) scales[row * (cols / 128) + c / 128]);
                        }
                        assertEquals(expected, y[2 + row], 1e-4 * (1 + Math.abs(expected)), kernel + " row " + row + " silent " + silentShare);
                    }
                    assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]) && Float.isNaN(y[rows + 2]), "wrote outside its rows");
                }
            }
        }
    }
}
