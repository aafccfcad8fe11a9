package io.spikert.kernels.spike;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import jdk.incubator.vector.IntVector;

/**
 * A W8ASpike QuantLinear weight [rows = out, cols = in] as integers: symmetric codes
 * {@code code = rint(W / s)} with one scale per row and group of {@value #GROUP} inputs, so the weight
 * used is {@code code * scale[r, c / 128]}.
 *
 * <p>Codes are not clamped by the reference, and about 1% fall outside [-127, 127] (up to about
 * +-200). They are stored as int8 {@code clamp(code, -127, 127)} plus an exact sparse correction,
 * {@code code = int8 + residual}, kept per input column (row, residual) sorted by row. Int8 plus a 1%
 * correction list reads about half the bytes of INT16 codes (the issue caps the per-token weight read at
 * 55% of BF16); the correction costs O(outliers of the non-silent columns) per product.
 *
 * <p>One layout of the int8 codes, shared by every kernel: input-major tiles
 * [ceil(rows / TILE)][cols][TILE] in 64-byte aligned native memory, rows padded with zero codes, so one
 * input channel is {@value #TILE_VECTORS} contiguous vectors per tile. The event kernels
 * ({@link SpikeMatVec}, {@link SpikeTrainMatVec}) read only the channels that fire; the dense kernel
 * ({@link Int8MatVec}) reads every channel of the same tiles. One copy keeps the resident codes at one
 * byte per weight (plus {@link #residentBytes()}'s small extras), half of BF16; an earlier second,
 * row-major copy for the dense kernel made them two, as much as BF16.
 * Measured on the development machine (3584 x 3584): a plain [cols][rows] transpose, one contiguous
 * column per input, made the event kernel 1.5-2.5x slower at 0-18% silent (every tile pass strides
 * across thousands of pages), and 16-vector tiles spilled, so the tiles are 8 vectors of rows. Silent
 * channels leave 128-byte holes that hardware prefetchers still partly fetch: at 50% random silence the
 * kernel ran about 20% slower than with the same number of silent channels in contiguous runs.
 */
public final class Int8Weights {

    /** Inputs per scale group. */
    public static final int GROUP = 128;
    /** The int8 part of a code lies in [-MAX_INT8_CODE, MAX_INT8_CODE]; the rest is the outlier residual. */
    public static final int MAX_INT8_CODE = 127;
    /** Largest |code| accepted: int16, which covers the published checkpoint's +-200 with room. */
    public static final int MAX_CODE = Short.MAX_VALUE;
    /** Vectors of int lanes per tile; 8 independent accumulators keep the event loop's adds in flight. */
    public static final int TILE_VECTORS = 8;
    /** Output rows per input-major tile: eight int vectors of the preferred species (128 with AVX-512). */
    public static final int TILE = TILE_VECTORS * IntVector.SPECIES_PREFERRED.length();
    /**
     * Largest |spike count| the vector kernels take: a group's integer sum of int8 codes times counts,
     * GROUP * 127 * |s|, must fit an int (with one count of headroom for two's-complement partial sums).
     */
    public static final int MAX_ABS_COUNT = Integer.MAX_VALUE / (GROUP * MAX_INT8_CODE) - 1;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final int rows;
    final int cols;
    final int groups;
    final int rowsPadded;
    final MemorySegment tiled;
    /** Bytes from one tile of TILE rows to the next, and from one input channel to the next within a tile. */
    final long tileStride;
    final long colStride;
    /** [groups][rowsPadded], padding 0: the tiled kernels load TILE consecutive rows of one group. */
    final float[] scalesByGroup;
    /** Outliers of column c are entries [outlierStart[c], outlierStart[c+1]), rows ascending. */
    final int[] outlierStart;
    final int[] outlierRow;
    final int[] outlierResidual;
    /** residual * scale[row, group] per outlier, rounded once to float: the correction is a float axpy per active column. */
    final float[] outlierScaled;
    final int maxAbsCode;

    private Int8Weights(Arena arena, int[] codes, int rows, int cols, float[] scales) {
        this.rows = rows;
        this.cols = cols;
        this.groups = cols / GROUP;
        this.rowsPadded = Math.multiplyExact((rows + TILE - 1) / TILE, TILE);
        this.scalesByGroup = new float[Math.multiplyExact(groups, rowsPadded)];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                scalesByGroup[g * rowsPadded + r] = scales[r * groups + g];
            }
        }
        this.tileStride = (long) cols * TILE;
        this.colStride = TILE;
        this.tiled = arena.allocate((long) rowsPadded * cols, 64);
        int[] perColumn = new int[cols + 1];
        int max = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int code = codes[r * cols + c];
                max = Math.max(max, Math.abs(code));
                byte q = (byte) Math.max(-MAX_INT8_CODE, Math.min(MAX_INT8_CODE, code));
                tiled.set(ValueLayout.JAVA_BYTE, tiledIndex(r, c), q);
                if (q != code) {
                    perColumn[c + 1]++;
                }
            }
        }
        this.maxAbsCode = max;
        for (int c = 0; c < cols; c++) {
            perColumn[c + 1] += perColumn[c];
        }
        this.outlierStart = perColumn;
        this.outlierRow = new int[perColumn[cols]];
        this.outlierResidual = new int[perColumn[cols]];
        this.outlierScaled = new float[perColumn[cols]];
        int[] fill = Arrays.copyOf(perColumn, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int code = codes[r * cols + c];
                int q = Math.max(-MAX_INT8_CODE, Math.min(MAX_INT8_CODE, code));
                if (q != code) {
                    outlierRow[fill[c]] = r;
                    outlierScaled[fill[c]] = (code - q) * scales[r * groups + c / GROUP];
                    outlierResidual[fill[c]++] = code - q;
                }
            }
        }
    }

    /**
     * Weights from integer codes [rows][cols] row-major and scales [rows][cols / 128]. Native memory
     * comes from {@code arena} and lives as long as it.
     */
    public static Int8Weights fromCodes(Arena arena, int[] codes, int rows, int cols, float[] scales) {
        checkShape("Int8Weights.fromCodes", rows, cols, scales);
        Objects.checkFromIndexSize(0, Math.multiplyExact(rows, cols), codes.length);
        for (int i = 0; i < rows * cols; i++) {
            if (Math.abs(codes[i]) > MAX_CODE) {
                throw new IllegalArgumentException("Int8Weights.fromCodes: code " + codes[i] + " at row " + i / cols
                        + ", column " + i % cols + " is outside [-" + MAX_CODE + ", " + MAX_CODE + "]");
            }
        }
        return new Int8Weights(arena, codes, rows, cols, scales);
    }

    /** Quantises float weights [rows][cols]: code = rint(W / s), divided in float as the fp32 reference does, not clamped. */
    public static Int8Weights quantize(Arena arena, float[] w, int rows, int cols, float[] scales) {
        Objects.checkFromIndexSize(0, Math.multiplyExact(rows, cols), w.length);
        return quantize(arena, MemorySegment.ofArray(w), rows, cols, scales, false);
    }

    /** As {@link #quantize(Arena, float[], int, int, float[])} from a little-endian F32 segment (a checkpoint tensor). */
    public static Int8Weights quantize(Arena arena, MemorySegment w, int rows, int cols, float[] scales) {
        return quantize(arena, w, rows, cols, scales, true);
    }

    private static Int8Weights quantize(Arena arena, MemorySegment w, int rows, int cols, float[] scales, boolean littleEndian) {
        checkShape("Int8Weights.quantize", rows, cols, scales);
        long need = 4L * rows * cols;
        if (w.byteSize() < need) {
            throw new IllegalArgumentException("Int8Weights.quantize: weight has " + w.byteSize() + " bytes, "
                    + rows + " x " + cols + " F32 needs " + need);
        }
        ValueLayout.OfFloat layout = littleEndian ? F32 : ValueLayout.JAVA_FLOAT_UNALIGNED;
        int groups = cols / GROUP;
        int[] codes = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float v = w.get(layout, 4L * (r * cols + c));
                float q = (float) Math.rint(v / scales[r * groups + c / GROUP]);
                if (!(Math.abs(q) <= MAX_CODE)) {
                    throw new IllegalArgumentException("Int8Weights.quantize: weight " + v + " at row " + r + ", column " + c
                            + " over scale " + scales[r * groups + c / GROUP] + " gives code " + q
                            + ", outside [-" + MAX_CODE + ", " + MAX_CODE + "]");
                }
                codes[r * cols + c] = (int) q;
            }
        }
        return new Int8Weights(arena, codes, rows, cols, scales);
    }

    private static void checkShape(String who, int rows, int cols, float[] scales) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException(who + ": shape must be positive, got " + rows + " x " + cols);
        }
        if (cols % GROUP != 0) {
            throw new IllegalArgumentException(who + ": input size " + cols + " is not a multiple of the scale group " + GROUP);
        }
        int groups = cols / GROUP;
        if (scales.length != (long) rows * groups) {
            throw new IllegalArgumentException(who + ": scales have " + scales.length + " values, shape "
                    + rows + " x " + cols + " needs " + rows + " x " + groups);
        }
        for (int i = 0; i < scales.length; i++) {
            if (!(scales[i] > 0f) || Float.isInfinite(scales[i])) {
                throw new IllegalArgumentException(who + ": scale of row " + i / groups + ", group " + i % groups
                        + " must be positive and finite, got " + scales[i]);
            }
        }
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int groups() {
        return groups;
    }

    /** The exact code of (r, c): the int8 part plus any outlier residual. */
    public int code(int r, int c) {
        Objects.checkIndex(r, rows);
        Objects.checkIndex(c, cols);
        int q = tiled.get(ValueLayout.JAVA_BYTE, tiledIndex(r, c));
        for (int k = outlierStart[c]; k < outlierStart[c + 1]; k++) {
            if (outlierRow[k] == r) {
                return q + outlierResidual[k];
            }
        }
        return q;
    }

    /** The int8 part of code (r, c), clamp(code, -127, 127), from the tiled layout. */
    public int tiledCode(int r, int c) {
        Objects.checkIndex(r, rows);
        Objects.checkIndex(c, cols);
        return tiled.get(ValueLayout.JAVA_BYTE, tiledIndex(r, c));
    }

    private long tiledIndex(int r, int c) {
        return (r / TILE) * tileStride + c * colStride + r % TILE;
    }

    public float scale(int r, int g) {
        Objects.checkIndex(r, rows);
        return scalesByGroup[Objects.checkIndex(g, groups) * rowsPadded + r];
    }

    /**
     * Bytes these weights keep resident, native and heap arrays: the tiled int8 codes (rows padded to
     * a whole tile), the scales by group, and the outlier list with its per-column index.
     */
    public long residentBytes() {
        return tiled.byteSize() + 4L * scalesByGroup.length + 4L * outlierStart.length
                + 4L * outlierRow.length + 4L * outlierResidual.length + 4L * outlierScaled.length;
    }

    /** Codes outside [-127, 127], held as exact corrections. */
    public int outlierCount() {
        return outlierRow.length;
    }

    public int maxAbsCode() {
        return maxAbsCode;
    }

    /** Bytes one dense product reads: the tiled int8 codes, scales and the outlier list (rows and scaled residuals). */
    public long denseBytesPerProduct() {
        return tiled.byteSize() + 4L * scalesByGroup.length + 8L * outlierRow.length + 4L * outlierStart.length;
    }

    /**
     * y[yOff + r] += (vth * s_c) * (residual(r, c) * scale[r, c / 128]) for every outlier (r, c) with r
     * in [rowStart, rowEnd) and a non-zero count s_c. Silent columns are skipped, so the work follows the
     * number of active channels. This part is a float product (two roundings more than the integer
     * group sums), still within float rounding of the fake-quant reference; it runs as a plain loop of
     * about five instructions per outlier.
     */
    void addOutliers(int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        int[] start = outlierStart;
        int[] row = outlierRow;
        float[] scaled = outlierScaled;
        for (int c = 0; c < cols; c++) {
            int s = counts[cOff + c];
            if (s == 0) {
                continue;
            }
            float cs = vth * s;
            int k = start[c];
            int end = start[c + 1];
            while (k < end && row[k] < rowStart) {
                k++;
            }
            for (; k < end; k++) {
                int r = row[k];
                if (r >= rowEnd) {
                    break;
                }
                y[yOff + r] += cs * scaled[k];
            }
        }
    }

    /** Checks the row range and output array of a product over these weights. */
    void checkProduct(String kernel, float[] y, int yOff, int rowStart, int rowEnd) {
        if (rowStart < 0 || rowStart > rowEnd || rowEnd > rows) {
            throw new IllegalArgumentException(kernel + ": row range [" + rowStart + ", " + rowEnd + ") outside [0, " + rows + "]");
        }
        Objects.checkFromToIndex(yOff + rowStart, yOff + rowEnd, y.length);
    }

    /** Checks a row range for the tiled kernels: unless empty, it must start on a tile and end on one or at the last row. */
    void checkTiledRange(String kernel, int rowStart, int rowEnd) {
        if (rowStart < rowEnd && (rowStart % TILE != 0 || (rowEnd % TILE != 0 && rowEnd != rows))) {
            throw new IllegalArgumentException(kernel + ": row range [" + rowStart + ", " + rowEnd + ") must start on a multiple of "
                    + TILE + " and end on one or at the last row " + rows + " (split work with grain Int8Weights.TILE)");
        }
    }

    static void checkCount(String kernel, int s, int channel) {
        if (s > MAX_ABS_COUNT || s < -MAX_ABS_COUNT) {
            throw new IllegalArgumentException(kernel + ": spike count " + s + " at channel " + channel + " exceeds +-"
                    + MAX_ABS_COUNT + ", beyond which a group's int32 sum could overflow");
        }
    }
}
