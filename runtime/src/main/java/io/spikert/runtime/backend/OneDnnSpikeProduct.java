package io.spikert.runtime.backend;

import io.spikert.ffm.onednn.OneDnnGemm;
import io.spikert.kernels.spike.GroupSumProduct;
import io.spikert.kernels.spike.Int8Weights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * W8ASpike's batched product with its integer group sums from oneDNN's s8 x s8 -> s32 GEMM: per channel
 * block and group of 128 channels, C = counts[:, group] x codes[group, block rows] (int8 counts, the stored
 * int8 codes), then the float steps of {@link GroupSumProduct} in the Vector API kernels' order, so y equals
 * {@link io.spikert.kernels.spike.SpikeMatMul}'s bit for bit. Only for batches whose every count fits int8
 * ({@link #fits}); others stay on the Vector API kernels. oneDNN's OpenMP threads run the GEMMs; the float
 * steps run on the caller's thread.
 */
final class OneDnnSpikeProduct {
    private final OneDnnGemm gemm;

    OneDnnSpikeProduct(OneDnnGemm gemm) {
        this.gemm = gemm;
    }

    /** Whether every count of the batch is an int8 value. */
    static boolean fits(int[] counts, int cOff, int n) {
        for (int i = cOff; i < cOff + n; i++) {
            int s = counts[i];
            if (s < Byte.MIN_VALUE || s > Byte.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /** y[yOff + t * rows + r] for every token t < tokens and row r, as {@link io.spikert.kernels.spike.SpikeMatMul#sparse}. */
    void run(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff) {
        int cols = w.cols();
        int groups = w.groups();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate((long) tokens * cols, 64);
            for (int i = 0; i < tokens * cols; i++) {
                a.set(ValueLayout.JAVA_BYTE, i, (byte) counts[cOff + i]);
            }
            for (int b = 0; b < GroupSumProduct.blocks(w); b++) {
                int r0 = GroupSumProduct.blockFirstRow(w, b);
                int n = GroupSumProduct.blockRowCount(w, b);
                int ld = GroupSumProduct.runLength(w, b);
                MemorySegment sums = arena.allocate(4L * tokens * n, 64);
                float[] acc = new float[tokens * n];
                for (int g = 0; g < groups; g++) {
                    gemm.gemmS8S8S32(false, false, tokens, n, Int8Weights.GROUP, 1f,
                            a.asSlice((long) g * Int8Weights.GROUP), cols, (byte) 0,
                            GroupSumProduct.groupCodes(w, b, g), ld, (byte) 0, 0f, sums, n, null);
                    GroupSumProduct.accumulate(w, g, sums, n, tokens, r0, r0 + n, acc, n);
                }
                GroupSumProduct.finish(w, acc, n, counts, cOff, vth, tokens, y, yOff, r0, r0 + n);
            }
        }
    }
}
