package io.spikert.bench.spike;

import io.spikert.ffm.onednn.OneDnnGemm;
import io.spikert.kernels.spike.GroupSumProduct;
import io.spikert.kernels.spike.Int8Weights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An experiment, kept out of the runtime until it wins (docs/PERFORMANCE.md, "CPU vendor math"):
 * W8ASpike's batched product with its integer group sums from oneDNN's s8 x s8 -> s32 GEMM: per channel
 * block and group of 128 channels, C = counts[:, group] x codes[group, block rows] (int8 counts, the stored
 * int8 codes), then the float steps of {@link GroupSumProduct} in the Vector API kernels' order, so y equals
 * {@link io.spikert.kernels.spike.SpikeMatMul}'s bit for bit. Only for batches whose every count fits int8
 * ({@link #fits}); the caller runs others on the Vector API kernels. oneDNN's OpenMP threads run the GEMMs; the float
 * steps run on the caller's thread. Rows go in chunks of {@link #CHUNK_ROWS}, all groups of a chunk before
 * the next, so a chunk's int32 sums and float accumulators stay in the core's cache between the GEMM that
 * writes them and the step that reads them.
 */
public final class OneDnnGroupSums {
    /** Rows per chunk: 64 tokens' sums and accumulators of 2048 rows are 512 KB each. */
    static final int CHUNK_ROWS = 2048;

    private final OneDnnGemm gemm;
    private final int chunkRows;

    public OneDnnGroupSums(OneDnnGemm gemm) {
        this(gemm, CHUNK_ROWS);
    }

    /**
     * With chunks of {@code chunkRows} rows, a positive multiple of {@link Int8Weights#TILE} (the kernels'
     * row-range rule); tests use small ones to cross chunk and block edges.
     */
    public OneDnnGroupSums(OneDnnGemm gemm, int chunkRows) {
        if (chunkRows < Int8Weights.TILE || chunkRows % Int8Weights.TILE != 0) {
            throw new IllegalArgumentException("chunkRows must be a positive multiple of " + Int8Weights.TILE + ", got " + chunkRows);
        }
        this.gemm = gemm;
        this.chunkRows = chunkRows;
    }

    /** Whether every count of the batch is an int8 value. */
    public static boolean fits(int[] counts, int cOff, int n) {
        for (int i = cOff; i < cOff + n; i++) {
            int s = counts[i];
            if (s < Byte.MIN_VALUE || s > Byte.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /** y[yOff + t * rows + r] for every token t < tokens and row r, as {@link io.spikert.kernels.spike.SpikeMatMul#sparse}. */
    public void run(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff) {
        int cols = w.cols();
        int groups = w.groups();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate((long) tokens * cols, 64);
            for (int i = 0; i < tokens * cols; i++) {
                a.set(ValueLayout.JAVA_BYTE, i, (byte) counts[cOff + i]);
            }
            MemorySegment sums = arena.allocate(4L * tokens * Math.min(chunkRows, w.rows()), 64);
            float[] acc = new float[tokens * Math.min(chunkRows, w.rows())];
            for (int b = 0; b < GroupSumProduct.blocks(w); b++) {
                int first = GroupSumProduct.blockFirstRow(w, b);
                int rows = GroupSumProduct.blockRowCount(w, b);
                int ld = GroupSumProduct.runLength(w, b);
                for (int c0 = 0; c0 < rows; c0 += chunkRows) {
                    int n = Math.min(chunkRows, rows - c0);
                    int r0 = first + c0;
                    java.util.Arrays.fill(acc, 0, tokens * n, 0f);
                    for (int g = 0; g < groups; g++) {
                        gemm.gemmS8S8S32(false, false, tokens, n, Int8Weights.GROUP, 1f,
                                a.asSlice((long) g * Int8Weights.GROUP), cols, (byte) 0,
                                GroupSumProduct.groupCodes(w, b, g).asSlice(c0), ld, (byte) 0, 0f, sums, n, null);
                        GroupSumProduct.accumulate(w, g, sums, n, tokens, r0, r0 + n, acc, n);
                    }
                    GroupSumProduct.finish(w, acc, n, counts, cOff, vth, tokens, y, yOff, r0, r0 + n);
                }
            }
        }
    }
}
