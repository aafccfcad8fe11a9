package io.spikert.kernels.spike;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lays row-major codes out as {@link Int8Weights}' channel blocks and collects the outliers (codes
 * outside [-127, 127]) per column, rows ascending. Works {@value #PASS_ROWS} rows at a time: their codes
 * are clamped to bytes row-major, then each channel's {@value #PASS_ROWS} bytes go to its run in one
 * contiguous copy (writing code by code in row-major order touched a new cache line per byte and was
 * the larger half of loading a 7B W8ASpike checkpoint's fp32 form). Disjoint row ranges run on the
 * common fork-join pool when every thread may write the blocks (a shared or global arena); for a
 * confined arena it runs on the caller's thread alone. Loading is not a kernel: it is the one place in
 * this package that starts parallel work of its own.
 */
final class ChannelBlockWriter {
    private ChannelBlockWriter() {}

    /** Rows laid out per pass: a multiple of 64 so a pass never straddles a block (blockRows is a multiple of TILE). */
    static final int PASS_ROWS = 64;

    static {
        if (Int8Weights.TILE % PASS_ROWS != 0) {
            // Blocks are whole TILEs; a pass that straddled two blocks would write its codes into the wrong runs.
            throw new ExceptionInInitializerError("Int8Weights.TILE " + Int8Weights.TILE + " is not a multiple of " + PASS_ROWS);
        }
    }
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(I.vectorBitSize() / 4));

    /** The outliers and largest |code| of a written weight. */
    record Outliers(int maxAbsCode, int[] start, int[] row, int[] residual) {}

    /**
     * Writes the codes of rows [0, rows) from {@code source} into {@code blocks} (zeroed, rowsPadded x cols
     * bytes) at {@code index}. The first failing row range's exception is rethrown as thrown.
     */
    static Outliers write(MemorySegment blocks, int rows, int cols, BlockIndex index, RowCodes source) {
        int passes = (rows + PASS_ROWS - 1) / PASS_ROWS;
        int parts = Math.min(passes, shareable(blocks) && source.shareable() ? ForkJoinPool.getCommonPoolParallelism() + 1 : 1);
        List<Part> done;
        if (parts == 1) {
            done = List.of(run(blocks, rows, cols, index, source, 0, passes));
        } else {
            done = IntStream.range(0, parts).parallel()
                    .mapToObj(p -> run(blocks, rows, cols, index, source, (int) ((long) passes * p / parts),
                            (int) ((long) passes * (p + 1) / parts)))
                    .toList();
        }
        for (Part p : done) {
            if (p.failure != null) {
                throw p.failure;
            }
        }
        return merge(done, cols);
    }

    /** Maps (row, column) to the byte offset of its code in the channel blocks. */
    @FunctionalInterface
    interface BlockIndex {
        long of(int r, int c);
    }

    /** Whether threads other than the caller's may use {@code segment} (not from a confined arena). */
    static boolean shareable(MemorySegment segment) {
        return segment.isAccessibleBy(new Thread(() -> { }));
    }

    /** One thread's row range: its outliers in row-major order, or the exception that stopped it. */
    private static final class Part {
        int maxAbs;
        int count;
        int[] row = new int[64];
        int[] col = new int[64];
        int[] residual = new int[64];
        RuntimeException failure;

        void add(int r, int c, int res) {
            if (count == row.length) {
                row = Arrays.copyOf(row, 2 * count);
                col = Arrays.copyOf(col, 2 * count);
                residual = Arrays.copyOf(residual, 2 * count);
            }
            row[count] = r;
            col[count] = c;
            residual[count++] = res;
        }
    }

    private static Part run(MemorySegment blocks, int rows, int cols, BlockIndex index, RowCodes source, int passFrom, int passTo) {
        Part part = new Part();
        int[] codes = new int[PASS_ROWS * cols];
        byte[] clamped = new byte[PASS_ROWS * cols];
        byte[] run = new byte[PASS_ROWS];
        try {
            for (int pass = passFrom; pass < passTo; pass++) {
                int r0 = pass * PASS_ROWS;
                int n = Math.min(PASS_ROWS, rows - r0);
                source.fill(r0, r0 + n, codes);
                clamp(codes, n * cols, clamped, part, r0, cols);
                for (int c = 0; c < cols; c++) {
                    for (int i = 0; i < n; i++) {
                        run[i] = clamped[i * cols + c];
                    }
                    MemorySegment.copy(run, 0, blocks, ValueLayout.JAVA_BYTE, index.of(r0, c), n);
                }
            }
        } catch (RuntimeException e) {
            part.failure = e;
        }
        return part;
    }

    /** clamped[i] = clamp(codes[i], -127, 127) for i < count; the codes it changes are the part's outliers. */
    private static void clamp(int[] codes, int count, byte[] clamped, Part part, int r0, int cols) {
        IntVector maxAbs = IntVector.zero(I);
        int i = 0;
        for (; i <= count - I.length(); i += I.length()) {
            IntVector code = IntVector.fromArray(I, codes, i);
            IntVector q = code.max(-Int8Weights.MAX_INT8_CODE).min(Int8Weights.MAX_INT8_CODE);
            maxAbs = maxAbs.max(code.abs());
            q.convertShape(VectorOperators.I2B, B, 0).reinterpretAsBytes().intoArray(clamped, i);
            if (q.compare(VectorOperators.NE, code).anyTrue()) {
                for (int j = i; j < i + I.length(); j++) {
                    outlier(codes[j], part, r0, j, cols);
                }
            }
        }
        part.maxAbs = Math.max(part.maxAbs, maxAbs.reduceLanes(VectorOperators.MAX));
        for (; i < count; i++) {
            int q = Math.max(-Int8Weights.MAX_INT8_CODE, Math.min(Int8Weights.MAX_INT8_CODE, codes[i]));
            clamped[i] = (byte) q;
            part.maxAbs = Math.max(part.maxAbs, Math.abs(codes[i]));
            outlier(codes[i], part, r0, i, cols);
        }
    }

    private static void outlier(int code, Part part, int r0, int i, int cols) {
        int q = Math.max(-Int8Weights.MAX_INT8_CODE, Math.min(Int8Weights.MAX_INT8_CODE, code));
        if (q != code) {
            part.add(r0 + i / cols, i % cols, code - q);
        }
    }

    /** Outliers by column (a stable counting sort: parts are ascending row ranges, each in row-major order). */
    private static Outliers merge(List<Part> parts, int cols) {
        int[] start = new int[cols + 1];
        int max = 0;
        for (Part p : parts) {
            max = Math.max(max, p.maxAbs);
            for (int k = 0; k < p.count; k++) {
                start[p.col[k] + 1]++;
            }
        }
        for (int c = 0; c < cols; c++) {
            start[c + 1] += start[c];
        }
        int[] row = new int[start[cols]];
        int[] residual = new int[start[cols]];
        int[] fill = Arrays.copyOf(start, cols);
        for (Part p : parts) {
            for (int k = 0; k < p.count; k++) {
                int at = fill[p.col[k]]++;
                row[at] = p.row[k];
                residual[at] = p.residual[k];
            }
        }
        return new Outliers(max, start, row, residual);
    }
}
