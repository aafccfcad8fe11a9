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
 * <p>One layout of the int8 codes, shared by every kernel: channel blocks [blocks][cols][blockRows] in
 * 64-byte aligned native memory. Rows are padded with zero codes to a multiple of {@link #TILE} and cut
 * into the fewest blocks of at most maxBlockRows rows ({@link #DEFAULT_MAX_BLOCK_ROWS} unless the caller
 * passes another), of equal size in TILEs (the last may be
 * shorter: its run is the rows left). So one input channel of a block is one contiguous run of
 * blockRows bytes: the event kernels ({@link SpikeMatVec}) skip a silent channel's whole run, which the
 * hardware prefetchers then leave alone too, and the dense kernels ({@link Int8MatVec}) stream every run
 * the same way (see {@link BlockStream}). One copy keeps the resident codes at one byte per weight (plus
 * {@link #residentBytes()}'s small extras), half of BF16.
 * The previous layout, input-major tiles [rows / TILE][cols][TILE], left 128-byte holes that the
 * prefetchers still fetched, so skipping silent channels saved little time.
 */
public final class Int8Weights {

    /** Inputs per scale group. */
    public static final int GROUP = 128;
    /** The int8 part of a code lies in [-MAX_INT8_CODE, MAX_INT8_CODE]; the rest is the outlier residual. */
    public static final int MAX_INT8_CODE = 127;
    /** Largest |code| accepted: int16, which covers the published checkpoint's +-200 with room. */
    public static final int MAX_CODE = Short.MAX_VALUE;
    /** Vectors of int lanes per register pass; 8 independent accumulators keep the adds in flight. */
    public static final int TILE_VECTORS = 8;
    /**
     * Output rows per register pass: eight int vectors of the preferred species (128 with AVX-512).
     * Rows are padded to a multiple of it, and threads split row ranges on it.
     */
    public static final int TILE = TILE_VECTORS * IntVector.SPECIES_PREFERRED.length();
    /**
     * Most rows per channel block unless the caller passes another bound (a positive multiple of
     * {@link #TILE}): a silent channel skips a run of up to this many bytes per block, and the kernels keep
     * one int and one float per block row in per-thread arrays. Longer runs suit the hardware prefetchers
     * better, so the default makes every INT8 projection of SpikingBrain-7B (at most 18944 rows) one block
     * (measurements: docs/PERFORMANCE.md). The runtime passes its tuning value
     * ({@code io.spikert.runtime.Tuning}); this is its default.
     */
    public static final int DEFAULT_MAX_BLOCK_ROWS = 32768;

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
    /** The int8 codes in channel blocks; see the class comment. */
    final MemorySegment blocks;
    /** Rows per block (at most the maxBlockRows it was built with, a multiple of TILE); the last block's run is rowsPadded - its first row. */
    final int blockRows;
    /** [groups][rowsPadded], padding 0: the kernels load TILE consecutive rows of one group. */
    final float[] scalesByGroup;
    /** Outliers of column c are entries [outlierStart[c], outlierStart[c+1]), rows ascending. */
    final int[] outlierStart;
    final int[] outlierRow;
    final int[] outlierResidual;
    /** residual * scale[row, group] per outlier, rounded once to float: the correction is a float axpy per active column. */
    final float[] outlierScaled;
    final int maxAbsCode;

    private Int8Weights(Arena arena, RowCodes codes, int rows, int cols, float[] scales, int maxBlockRows) {
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
        int tiles = rowsPadded / TILE;
        int nBlocks = (rowsPadded + maxBlockRows - 1) / maxBlockRows;
        this.blockRows = (tiles + nBlocks - 1) / nBlocks * TILE;
        this.blocks = arena.allocate((long) rowsPadded * cols, 64);
        ChannelBlockWriter.Outliers out = ChannelBlockWriter.write(blocks, rows, cols, this::index, codes);
        this.maxAbsCode = out.maxAbsCode();
        this.outlierStart = out.start();
        this.outlierRow = out.row();
        this.outlierResidual = out.residual();
        this.outlierScaled = new float[outlierRow.length];
        for (int c = 0; c < cols; c++) {
            for (int k = outlierStart[c]; k < outlierStart[c + 1]; k++) {
                outlierScaled[k] = outlierResidual[k] * scales[outlierRow[k] * groups + c / GROUP];
            }
        }
    }

    /**
     * Weights from integer codes [rows][cols] row-major and scales [rows][cols / 128]. Native memory
     * comes from {@code arena} and lives as long as it.
     */
    public static Int8Weights fromCodes(Arena arena, int[] codes, int rows, int cols, float[] scales) {
        return fromCodes(arena, codes, rows, cols, scales, DEFAULT_MAX_BLOCK_ROWS);
    }

    /**
     * As {@link #fromCodes(Arena, int[], int, int, float[])} with channel blocks of at most
     * {@code maxBlockRows} rows (a positive multiple of {@link #TILE}). The block size changes the layout
     * and the kernels' speed, never their results.
     */
    public static Int8Weights fromCodes(Arena arena, int[] codes, int rows, int cols, float[] scales, int maxBlockRows) {
        checkBlockRows("Int8Weights.fromCodes: maxBlockRows", maxBlockRows);
        checkShape("Int8Weights.fromCodes", rows, cols, scales);
        Objects.checkFromIndexSize(0, Math.multiplyExact(rows, cols), codes.length);
        for (int i = 0; i < rows * cols; i++) {
            if (Math.abs(codes[i]) > MAX_CODE) {
                throw new IllegalArgumentException("Int8Weights.fromCodes: code " + codes[i] + " at row " + i / cols
                        + ", column " + i % cols + " is outside [-" + MAX_CODE + ", " + MAX_CODE + "]");
            }
        }
        return new Int8Weights(arena, copyRows(codes, cols), rows, cols, scales, maxBlockRows);
    }

    private static RowCodes copyRows(int[] codes, int cols) {
        return (r0, r1, buf) -> System.arraycopy(codes, r0 * cols, buf, 0, (r1 - r0) * cols);
    }

    /**
     * Quantises float weights [rows][cols]: code = rint(W / s), divided in float as the fp32 reference does, not clamped.
     * A code beyond {@link #MAX_CODE} is an IllegalArgumentException naming its row and column; the codes'
     * memory, already taken from {@code arena} by then, stays with it until it closes (checking every code
     * first would read the weights twice, and a 7B load streams them from disk).
     */
    public static Int8Weights quantize(Arena arena, float[] w, int rows, int cols, float[] scales) {
        Objects.checkFromIndexSize(0, Math.multiplyExact(rows, cols), w.length);
        return quantize(arena, MemorySegment.ofArray(w), rows, cols, scales, false, DEFAULT_MAX_BLOCK_ROWS);
    }

    /** As {@link #quantize(Arena, float[], int, int, float[])} from a little-endian F32 segment (a checkpoint tensor). */
    public static Int8Weights quantize(Arena arena, MemorySegment w, int rows, int cols, float[] scales) {
        return quantize(arena, w, rows, cols, scales, DEFAULT_MAX_BLOCK_ROWS);
    }

    /**
     * As {@link #quantize(Arena, MemorySegment, int, int, float[])} with channel blocks of at most
     * {@code maxBlockRows} rows (a positive multiple of {@link #TILE}); see
     * {@link #fromCodes(Arena, int[], int, int, float[], int)}.
     */
    public static Int8Weights quantize(Arena arena, MemorySegment w, int rows, int cols, float[] scales, int maxBlockRows) {
        checkBlockRows("Int8Weights.quantize: maxBlockRows", maxBlockRows);
        return quantize(arena, w, rows, cols, scales, true, maxBlockRows);
    }

    private static Int8Weights quantize(Arena arena, MemorySegment w, int rows, int cols, float[] scales, boolean littleEndian, int maxBlockRows) {
        checkShape("Int8Weights.quantize", rows, cols, scales);
        long need = 4L * rows * cols;
        if (w.byteSize() < need) {
            throw new IllegalArgumentException("Int8Weights.quantize: weight has " + w.byteSize() + " bytes, "
                    + rows + " x " + cols + " F32 needs " + need);
        }
        ValueLayout.OfFloat layout = littleEndian ? F32 : ValueLayout.JAVA_FLOAT_UNALIGNED;
        return new Int8Weights(arena, new GroupQuantizer("Int8Weights.quantize", w, layout, cols, scales), rows, cols, scales, maxBlockRows);
    }

    /**
     * Whether every weight of the little-endian F32 matrix {@code w} [rows][cols] equals rint(W / s) * s
     * with its group's scale and |rint(W / s)| at most {@link #MAX_CODE}: then {@link #quantize} keeps it
     * exactly. One vectorised pass, on several threads where {@code w} may be read from them.
     */
    public static boolean isExactlyCoded(MemorySegment w, int rows, int cols, float[] scales) {
        checkShape("Int8Weights.isExactlyCoded", rows, cols, scales);
        long need = 4L * rows * cols;
        if (w.byteSize() < need) {
            throw new IllegalArgumentException("Int8Weights.isExactlyCoded: weight has " + w.byteSize() + " bytes, "
                    + rows + " x " + cols + " F32 needs " + need);
        }
        return new GroupQuantizer("Int8Weights.isExactlyCoded", w, F32, cols, scales).exact(rows);
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
        int q = blocks.get(ValueLayout.JAVA_BYTE, index(r, c));
        for (int k = outlierStart[c]; k < outlierStart[c + 1]; k++) {
            if (outlierRow[k] == r) {
                return q + outlierResidual[k];
            }
        }
        return q;
    }

    /** Every exact code, row-major [rows][cols]: the int8 parts of {@link #int8RowMajor()} plus the outliers' residuals. */
    public int[] codes() {
        byte[] int8 = int8RowMajor();
        int[] out = new int[int8.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = int8[i];
        }
        for (int c = 0; c < cols; c++) {
            for (int k = outlierStart[c]; k < outlierStart[c + 1]; k++) {
                out[outlierRow[k] * cols + c] += outlierResidual[k];
            }
        }
        return out;
    }

    /**
     * The int8 parts clamp(code, -127, 127), row-major [rows][cols], for handing the weights to another layout
     * (a GPU's). Reads {@value #EXPORT_COLUMNS} channel runs at a time so each row's bytes land together.
     */
    public byte[] int8RowMajor() {
        byte[] out = new byte[Math.multiplyExact(rows, cols)];
        byte[][] runs = new byte[EXPORT_COLUMNS][blockRows];
        for (int b = 0; b * blockRows < rows; b++) {
            int r0 = b * blockRows;
            int n = Math.min(blockRows, rows - r0);
            int len = runLength(b);
            for (int c0 = 0; c0 < cols; c0 += EXPORT_COLUMNS) {
                int m = Math.min(EXPORT_COLUMNS, cols - c0);
                for (int j = 0; j < m; j++) {
                    MemorySegment.copy(blocks, ValueLayout.JAVA_BYTE, blockStart(b) + (long) (c0 + j) * len, runs[j], 0, n);
                }
                for (int i = 0; i < n; i++) {
                    int row = (r0 + i) * cols + c0;
                    for (int j = 0; j < m; j++) {
                        out[row + j] = runs[j][i];
                    }
                }
            }
        }
        return out;
    }

    /**
     * The outliers as a per-row list sorted by column: {start [rows + 1], column, residual}, row r's entries
     * at [start[r], start[r + 1]) (the kernels here keep them per column; a row-major layout wants them per row).
     */
    public int[][] outliersByRow() {
        int[] start = new int[rows + 1];
        for (int r : outlierRow) {
            start[r + 1]++;
        }
        for (int r = 0; r < rows; r++) {
            start[r + 1] += start[r];
        }
        int[] col = new int[outlierRow.length];
        int[] residual = new int[outlierRow.length];
        int[] fill = Arrays.copyOf(start, rows);
        for (int c = 0; c < cols; c++) { // columns ascending, so each row's entries come out sorted by column
            for (int k = outlierStart[c]; k < outlierStart[c + 1]; k++) {
                int at = fill[outlierRow[k]]++;
                col[at] = c;
                residual[at] = outlierResidual[k];
            }
        }
        return new int[][] {start, col, residual};
    }

    private static final int EXPORT_COLUMNS = 16;

    /** The int8 part of code (r, c), clamp(code, -127, 127), as the kernels read it from the channel blocks. */
    public int int8Code(int r, int c) {
        Objects.checkIndex(r, rows);
        Objects.checkIndex(c, cols);
        return blocks.get(ValueLayout.JAVA_BYTE, index(r, c));
    }

    /** Rows per channel block (the last block may have fewer). */
    public int blockRows() {
        return blockRows;
    }

    /** Byte offset of the first code of block b (rows from b * blockRows). */
    long blockStart(int b) {
        return (long) b * blockRows * cols;
    }

    /** Bytes from one channel's run to the next in block b: its run length. */
    int runLength(int b) {
        return Math.min(blockRows, rowsPadded - b * blockRows);
    }

    private long index(int r, int c) {
        int b = r / blockRows;
        return blockStart(b) + (long) c * runLength(b) + r % blockRows;
    }

    public float scale(int r, int g) {
        Objects.checkIndex(r, rows);
        return scalesByGroup[Objects.checkIndex(g, groups) * rowsPadded + r];
    }

    /**
     * Bytes these weights keep resident, native and heap arrays: the int8 codes (rows padded to
     * a whole TILE), the scales by group, and the outlier list with its per-column index.
     */
    public long residentBytes() {
        return blocks.byteSize() + 4L * scalesByGroup.length + 4L * outlierStart.length
                + 4L * outlierRow.length + 4L * outlierResidual.length + 4L * outlierScaled.length;
    }

    /** Codes outside [-127, 127], held as exact corrections. */
    public int outlierCount() {
        return outlierRow.length;
    }

    public int maxAbsCode() {
        return maxAbsCode;
    }

    /** Bytes one dense product reads: the int8 codes, scales and the outlier list (rows and scaled residuals). */
    public long denseBytesPerProduct() {
        return blocks.byteSize() + 4L * scalesByGroup.length + 8L * outlierRow.length + 4L * outlierStart.length;
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
        for (int c = 0; c < cols; c++) {
            int s = counts[cOff + c];
            if (s == 0) {
                continue;
            }
            addColumn(start[c], start[c + 1], vth * s, y, yOff, rowStart, rowEnd);
        }
    }

    /** As {@link #addOutliers(int[], int, float, float[], int, int, int)} over a list's entries [from, to) (their counts). */
    void addOutliers(ChannelList list, int from, int to, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        int[] start = outlierStart;
        int[] channel = list.channel;
        int[] value = list.value;
        for (int i = from; i < to; i++) {
            int s = value[i];
            if (s == 0) {
                continue;
            }
            int c = channel[i];
            addColumn(start[c], start[c + 1], vth * s, y, yOff, rowStart, rowEnd);
        }
    }

    /**
     * y[yOff + r] += x[xOff + c] * (residual(r, c) * scale[r, c / 128]) for every outlier (r, c) with c in
     * [colStart, colEnd) and r in [rowStart, rowEnd): the exact correction of the float-input product.
     */
    void addOutliers(float[] x, int xOff, int colStart, int colEnd, float[] y, int yOff, int rowStart, int rowEnd) {
        int[] start = outlierStart;
        for (int c = colStart; c < colEnd; c++) {
            float v = x[xOff + c];
            addColumn(start[c], start[c + 1], v, y, yOff, rowStart, rowEnd);
        }
    }

    /**
     * y[yOff + r] += v * outlierScaled[k] for the outliers k in [from, to) (one column, rows ascending) with
     * r in [rowStart, rowEnd). A range from row 0 walks forward and stops at rowEnd; a range that ends at
     * the last row walks back and stops below rowStart, so with two threads neither searches (a binary
     * search per column for the first row made the upper thread the slower one);
     * a range in the middle searches for its first row. The order of the adds into one row is the same
     * either way (one outlier per row and column).
     */
    private void addColumn(int from, int to, float v, float[] y, int yOff, int rowStart, int rowEnd) {
        int[] row = outlierRow;
        float[] scaled = outlierScaled;
        if (rowStart > 0 && rowEnd >= rows) {
            for (int k = to - 1; k >= from; k--) {
                int r = row[k];
                if (r < rowStart) {
                    break;
                }
                y[yOff + r] += v * scaled[k];
            }
            return;
        }
        for (int k = rowStart > 0 ? firstAtOrAfter(row, from, to, rowStart) : from; k < to; k++) {
            int r = row[k];
            if (r >= rowEnd) {
                break;
            }
            y[yOff + r] += v * scaled[k];
        }
    }

    /**
     * The first index in [from, to) whose row is at least rowStart (rows ascending), or to. A binary
     * search: a thread whose rows start mid-matrix stepping over the earlier outliers of every active
     * column one by one kept the 2-thread event product from scaling.
     */
    static int firstAtOrAfter(int[] row, int from, int to, int rowStart) {
        if (from == to || row[from] >= rowStart) {
            return from;
        }
        int lo = from + 1;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (row[mid] < rowStart) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Checks the row range and output array of a product over these weights. */
    void checkProduct(String kernel, float[] y, int yOff, int rowStart, int rowEnd) {
        if (rowStart < 0 || rowStart > rowEnd || rowEnd > rows) {
            throw new IllegalArgumentException(kernel + ": row range [" + rowStart + ", " + rowEnd + ") outside [0, " + rows + "]");
        }
        Objects.checkFromToIndex(yOff + rowStart, yOff + rowEnd, y.length);
    }

    /** Checks a row range for the vector kernels: unless empty, it must start on a TILE and end on one or at the last row. */
    void checkRowRange(String kernel, int rowStart, int rowEnd) {
        if (rowStart < rowEnd && (rowStart % TILE != 0 || (rowEnd % TILE != 0 && rowEnd != rows))) {
            throw new IllegalArgumentException(kernel + ": row range [" + rowStart + ", " + rowEnd + ") must start on a multiple of "
                    + TILE + " and end on one or at the last row " + rows + " (split work with grain Int8Weights.TILE)");
        }
    }

    /** Returns n if it is a valid block bound, a positive multiple of {@link #TILE}; otherwise an error naming {@code what}. */
    static int checkBlockRows(String what, int n) {
        if (n < TILE || n % TILE != 0) {
            throw new IllegalArgumentException(what + ": " + n + " must be a positive multiple of Int8Weights.TILE = " + TILE);
        }
        return n;
    }

    static void checkCount(String kernel, int s, int channel) {
        if (s > MAX_ABS_COUNT || s < -MAX_ABS_COUNT) {
            throw new IllegalArgumentException(kernel + ": spike count " + s + " at channel " + channel + " exceeds +-"
                    + MAX_ABS_COUNT + ", beyond which a group's int32 sum could overflow");
        }
    }
}
