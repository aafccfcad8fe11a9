package io.spikert.kernels.spike;

import io.spikert.kernels.Bf16;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float-input INT8 product ({@link Int8MatMul#denseFloat}: down_proj of W8ASpike) for a BF16 GEMM engine: the
 * weight {@code w'[c][r] = code(r, c) * scale(r, c / 128)} (the whole code: outliers included), each rounded once to
 * FP32, split into BF16 parts ({@link Bf16#storeParts}: with three, {@code hi + mid + lo == w'} exactly).
 *
 * <p>A slice of rows {@code [rowStart, rowStart + n)} is laid out column-major for the engine, part p of
 * {@code w'(r, c)} at BF16 element {@code p * partStride + c * n + (r - rowStart)}: the {@code [cols, n]} weight
 * operand of {@code y[t] = x[t] w'}. The slice lies in one channel block ({@link #sliceEnd}), whose runs give the
 * codes of one column for consecutive rows; rows past {@link Int8Weights#rows()} (the block's zero padding) give zeros.
 *
 * <p>Against {@link Int8MatMul}: it sums {@code x * code} per group, multiplies the group sum by the scale and adds
 * the outliers' corrections after; the engine sums {@code x * (code * scale)}. The same products, rounded in other
 * places: both are FP32-accurate, not bit-identical.
 */
public final class ScaledCodeParts {
    private ScaledCodeParts() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Rows a slice is made of: whole pairs of vectors, the step of Bf16's loops. */
    private static final int STEP = 2 * L;
    /** Per thread: one column of a slice, as floats. */
    private static final ThreadLocal<float[]> COLUMN = ThreadLocal.withInitial(() -> new float[0]);

    /** Rows a slice is made of: a multiple of this. */
    public static int rowQuantum() {
        return STEP;
    }

    /**
     * The end of the longest slice from {@code rowStart} (the block's first row or a multiple of {@link #rowQuantum} past
     * it) of at most {@code maxRows} rows (a positive multiple of the quantum) that stays in one channel block, padding
     * included: the end may pass {@link Int8Weights#rows()}.
     */
    public static int sliceEnd(Int8Weights w, int rowStart, int maxRows) {
        Objects.checkIndex(rowStart, w.rows);
        if (maxRows < STEP || maxRows % STEP != 0) {
            throw new IllegalArgumentException("ScaledCodeParts: a slice of " + maxRows + " rows is not a positive multiple of "
                    + STEP);
        }
        int b = rowStart / w.blockRows;
        int blockEnd = b * w.blockRows + w.runLength(b);
        return Math.min(blockEnd, rowStart + maxRows);
    }

    /**
     * Writes parts {@code [0, parts)} of {@code w'} for the slice of rows {@code [rowStart, rowEnd)} (as given by
     * {@link #sliceEnd}) and columns {@code [colStart, colEnd)} into {@code out}, laid out as the class comment says
     * with {@code n = rowEnd - rowStart}.
     */
    public static void store(Int8Weights w, int rowStart, int rowEnd, int colStart, int colEnd, int parts, MemorySegment out,
                             long partStride) {
        int n = rowEnd - rowStart;
        int block = rowStart / w.blockRows;
        int first = block * w.blockRows;
        int run = w.runLength(block);
        if (rowStart < 0 || rowStart >= w.rows || n <= 0 || n % STEP != 0 || (rowStart - first) % STEP != 0
                || rowEnd > first + run) {
            throw new IllegalArgumentException("ScaledCodeParts.store: rows [" + rowStart + ", " + rowEnd
                    + ") are not a slice of whole vectors in one block of the " + w.rows + " x " + w.cols + " codes");
        }
        Objects.checkFromToIndex(colStart, colEnd, w.cols);
        if (parts < 1 || parts > 3 || partStride < (long) w.cols * n
                || 2L * ((parts - 1) * partStride + (long) colEnd * n) > out.byteSize()) {
            throw new IllegalArgumentException("ScaledCodeParts.store: " + parts + " parts " + partStride
                    + " elements apart do not fit " + out.byteSize() + " bytes for " + w.cols + " x " + n);
        }
        MemorySegment seg = w.blocks;
        float[] sg = w.scalesByGroup;
        long base = w.blockStart(block) + (rowStart - first);
        float[] column = COLUMN.get();
        if (column.length < n) {
            column = new float[n];
            COLUMN.set(column);
        }
        for (int c = colStart; c < colEnd; c++) {
            long o = base + (long) c * run;
            int so = (c / Int8Weights.GROUP) * w.rowsPadded + rowStart;
            long at = (long) c * n;
            for (int j = 0; j < n; j += L) {
                Int8MatVec.toFloat(Int8MatVec.widen(seg, o + j)).mul(FloatVector.fromArray(F, sg, so + j)).intoArray(column, j);
            }
            Bf16.storeParts(column, 0, n, parts, out, at, partStride);
            // the outliers' whole codes in place of their int8 parts
            int from = w.outlierStart[c];
            int to = w.outlierStart[c + 1];
            for (int k = Int8Weights.firstAtOrAfter(w.outlierRow, from, to, rowStart); k < to && w.outlierRow[k] < rowEnd; k++) {
                int r = w.outlierRow[k];
                float v = (float) (seg.get(ValueLayout.JAVA_BYTE, o + r - rowStart) + w.outlierResidual[k]) * sg[so + r - rowStart];
                column[0] = v;
                Bf16.storeParts(column, 0, 1, parts, out, at + r - rowStart, partStride);
            }
        }
    }
}
