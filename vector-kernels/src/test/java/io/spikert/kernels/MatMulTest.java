package io.spikert.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MatMulTest {

    @ParameterizedTest(name = "rows={0} cols={1} tokens={2} range=[{3},{4}) misalign={5}")
    @CsvSource({
            "1, 1, 1, 0, 1, 0",
            "5, 17, 3, 0, 5, 0",
            "9, 33, 4, 1, 8, 1",
            "10, 100, 7, 2, 10, 3",
            "7, 1024, 5, 0, 7, 0",
            "13, 2100, 9, 3, 12, 2",
            "6, 1041, 16, 1, 6, 0",
            "8, 530, 33, 1, 8, 0",
            "7, 77, 64, 0, 7, 1",
            "14, 600, 70, 2, 13, 2",
            "3, 40, 130, 0, 3, 0",
            "7, 8300, 20, 1, 7, 1",
    })
    void matchesScalarTwin(int rows, int cols, int tokens, int rowStart, int rowEnd, int misalign) {
        Random rnd = new Random(rows * 131L + cols * 7L + tokens);
        float[] wv = TestData.randoms(rnd, rows * cols);
        int xOff = 3, ldx = cols + 5, yOff = 2, ldy = rows + 3;
        float[] x = TestData.randoms(rnd, xOff + tokens * ldx);
        int ySize = yOff + tokens * ldy;
        float[] magnitude = new float[ySize];
        for (int t = 0; t < tokens; t++) {
            for (int r = rowStart; r < rowEnd; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    s += Math.abs(wv[r * cols + c] * x[xOff + t * ldx + c]);
                }
                magnitude[yOff + t * ldy + r] = (float) s;
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            for (int bytes : new int[] {4, 2}) {
                MemorySegment w = TestData.weights(arena, wv, bytes, misalign);
                float[] expected = TestData.filled(ySize, Float.NaN);
                float[] actual = TestData.filled(ySize, Float.NaN);
                if (bytes == 4) {
                    MatMulScalar.f32(w, cols, x, xOff, ldx, tokens, expected, yOff, ldy, rowStart, rowEnd);
                    MatMul.f32(w, cols, x, xOff, ldx, tokens, actual, yOff, ldy, rowStart, rowEnd);
                } else {
                    MatMulScalar.bf16(w, cols, x, xOff, ldx, tokens, expected, yOff, ldy, rowStart, rowEnd);
                    MatMul.bf16(w, cols, x, xOff, ldx, tokens, actual, yOff, ldy, rowStart, rowEnd);
                }
                // NaN sentinels in the gaps (ldy > rows, rows outside the range) must be left alone.
                TestData.assertClose("MatMul " + (bytes == 4 ? "f32" : "bf16"), expected, actual, magnitude,
                        2e-6 * Math.sqrt(cols) + 1e-6, 1e-30);
            }
        }
    }
}
