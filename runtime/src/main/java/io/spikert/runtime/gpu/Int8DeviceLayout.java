package io.spikert.runtime.gpu;

import io.spikert.kernels.spike.Int8Weights;
import java.util.Objects;

/**
 * INT8 weight codes as the {@code int8_matvec}, {@code spike_matmul} and {@code int8_float_matmul} kernels take
 * them: int8 {@code clamp(code, -127, 127)} row-major ({@code rowMajor}, [rows][cols]), plus the exact residuals {@code code - int8} of the about 1% of
 * codes outside int8, as a per-row list sorted by column ({@code outlierStart} [rows + 1],
 * {@code outlierCol}, {@code outlierResidual}). Per-row order lets a kernel fold a row's outliers into
 * that row's integer group sums in one forward pass.
 */
public record Int8DeviceLayout(int rows, int cols, byte[] rowMajor,
                               int[] outlierStart, int[] outlierCol, int[] outlierResidual) {

    private static final int MAX_INT8 = 127;

    /** The layout of integer codes [rows][cols] row-major. */
    public static Int8DeviceLayout fromCodes(int[] codes, int rows, int cols) {
        Objects.checkFromIndexSize(0, Math.multiplyExact(rows, cols), codes.length);
        byte[] rowMajor = new byte[rows * cols];
        int[] start = new int[rows + 1];
        int outliers = 0;
        for (int i = 0; i < rows * cols; i++) {
            if (Math.abs(codes[i]) > MAX_INT8) {
                outliers++;
            }
        }
        int[] col = new int[outliers];
        int[] residual = new int[outliers];
        int e = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int code = codes[r * cols + c];
                int q = Math.max(-MAX_INT8, Math.min(MAX_INT8, code));
                rowMajor[r * cols + c] = (byte) q;
                if (q != code) {
                    col[e] = c;
                    residual[e++] = code - q;
                }
            }
            start[r + 1] = e;
        }
        return new Int8DeviceLayout(rows, cols, rowMajor, start, col, residual);
    }

    /** The layout of {@code w}'s codes, taken from its channel blocks and outlier lists without an int per code. */
    public static Int8DeviceLayout from(Int8Weights w) {
        int[][] outliers = w.outliersByRow();
        return new Int8DeviceLayout(w.rows(), w.cols(), w.int8RowMajor(), outliers[0], outliers[1], outliers[2]);
    }

    /** The exact codes [rows][cols] back from row-major int8 {@code values} and the outliers. */
    public static int[] codes(int rows, int cols, byte[] values, int[] outlierStart, int[] outlierCol, int[] outlierResidual) {
        int[] codes = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                codes[r * cols + c] = values[r * cols + c];
            }
            for (int e = outlierStart[r]; e < outlierStart[r + 1]; e++) {
                codes[r * cols + outlierCol[e]] += outlierResidual[e];
            }
        }
        return codes;
    }
}
