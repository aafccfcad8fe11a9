package io.spikert.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.kernels.spike.Int8Weights;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8DeviceLayoutTest {

    /** The layout taken from the channel blocks equals the one built from the row-major codes, outliers included. */
    @Test
    void layoutFromWeightsEqualsLayoutFromTheirCodes() {
        Random rnd = new Random(31);
        int rows = 300;
        int cols = 384;
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = rnd.nextInt(100) < 3 ? (rnd.nextBoolean() ? 1 : -1) * (128 + rnd.nextInt(100)) : rnd.nextInt(255) - 127;
        }
        float[] scales = new float[rows * (cols / Int8Weights.GROUP)];
        java.util.Arrays.fill(scales, 0.5f);
        try (Arena shared = Arena.ofShared()) {
            Int8Weights w = Int8Weights.fromCodes(shared, codes, rows, cols, scales);
            Int8DeviceLayout expected = Int8DeviceLayout.fromCodes(codes, rows, cols);
            Int8DeviceLayout actual = Int8DeviceLayout.from(w);
            assertTrue(expected.outlierCol().length > 1000, "test data must have outliers");
            assertEquals(rows, actual.rows());
            assertEquals(cols, actual.cols());
            assertArrayEquals(expected.rowMajor(), actual.rowMajor());
            assertArrayEquals(expected.outlierStart(), actual.outlierStart());
            assertArrayEquals(expected.outlierCol(), actual.outlierCol());
            assertArrayEquals(expected.outlierResidual(), actual.outlierResidual());
            assertArrayEquals(codes, Int8DeviceLayout.codes(rows, cols, actual.rowMajor(), actual.outlierStart(),
                    actual.outlierCol(), actual.outlierResidual()));
            assertArrayEquals(codes, w.codes());
        }
    }
}
