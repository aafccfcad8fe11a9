package io.spikert.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatVecTest {

    @ParameterizedTest(name = "rows={0} cols={1} range=[{2},{3}) misalign={4}")
    @CsvSource({
            "1, 1, 0, 1, 0",
            "7, 15, 0, 7, 0",
            "9, 16, 2, 9, 0",
            "13, 33, 1, 12, 3",
            "21, 97, 3, 19, 1",
            "8, 256, 0, 8, 2",
            "11, 1000, 4, 11, 7",
            "6, 1031, 0, 5, 0",
            "19, 300, 1, 18, 5",
            "40, 515, 3, 37, 0",
    })
    void matchesScalarTwin(int rows, int cols, int rowStart, int rowEnd, int misalign) {
        Random rnd = new Random(rows * 31L + cols);
        float[] wv = TestData.randoms(rnd, rows * cols);
        int xOff = 5;
        int yOff = 3;
        float[] x = TestData.randoms(rnd, xOff + cols + 4);
        float[] magnitude = new float[yOff + rows + 2];
        for (int r = rowStart; r < rowEnd; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += Math.abs(wv[r * cols + c] * x[xOff + c]);
            }
            magnitude[yOff + r] = (float) s;
        }
        try (Arena arena = Arena.ofConfined()) {
            for (int bytes : new int[] {4, 2}) {
                MemorySegment w = TestData.weights(arena, wv, bytes, misalign);
                float[] expected = TestData.filled(yOff + rows + 2, Float.NaN);
                float[] actual = TestData.filled(yOff + rows + 2, Float.NaN);
                if (bytes == 4) {
                    MatVecScalar.f32(w, cols, x, xOff, expected, yOff, rowStart, rowEnd);
                    MatVec.f32(w, cols, x, xOff, actual, yOff, rowStart, rowEnd);
                } else {
                    MatVecScalar.bf16(w, cols, x, xOff, expected, yOff, rowStart, rowEnd);
                    MatVec.bf16(w, cols, x, xOff, actual, yOff, rowStart, rowEnd);
                }
                // NaN sentinels outside [rowStart, rowEnd) must survive: both sides leave them alone.
                TestData.assertClose("MatVec " + (bytes == 4 ? "f32" : "bf16"), expected, actual, magnitude, 2e-6 * Math.sqrt(cols) + 1e-6, 1e-30);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void handValuesBothFormats() {
        // W = [[1, -2.5, 0.5], [3, 0, -1]] (all exact in bf16), x = [2, 4, -8]
        float[] wv = {1f, -2.5f, 0.5f, 3f, 0f, -1f};
        float[] x = {2f, 4f, -8f};
        try (Arena arena = Arena.ofConfined()) {
            for (int bytes : new int[] {4, 2}) {
                MemorySegment w = TestData.weights(arena, wv, bytes, 1);
                float[] y = new float[2];
                if (bytes == 4) {
                    MatVec.f32(w, 3, x, 0, y, 0, 0, 2);
                } else {
                    MatVec.bf16(w, 3, x, 0, y, 0, 0, 2);
                }
                org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {2f - 10f - 4f, 6f + 8f}, y);
            }
        }
    }
}
