package io.spikert.kernels.spike;

/**
 * Per-thread int scratch for the event lists the kernels build once per call, so kernels stay safe
 * to call from any number of threads. A buffer only ever grows. Slots: 0 active channels (SpikeMatVec) or step sums (SpikeTrainMatVec), 1 their
 * counts, 2 group boundaries, 3 counts rebuilt from spike trains.
 */
final class SpikeScratch {
    private SpikeScratch() {}

    private static final ThreadLocal<int[][]> BUFFERS = ThreadLocal.withInitial(() -> new int[4][0]);

    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[1][0]);

    /** A float tile accumulator: at least n floats, contents undefined. */
    static float[] floats(int n) {
        float[][] b = FLOATS.get();
        if (b[0].length < n) {
            b[0] = new float[n];
        }
        return b[0];
    }

    /** Scratch slot {@code slot} (0..3): at least n ints, contents undefined. */
    static int[] ints(int slot, int n) {
        int[][] b = BUFFERS.get();
        if (b[slot].length < n) {
            b[slot] = new int[Math.max(n, b[slot].length + b[slot].length / 2)];
        }
        return b[slot];
    }
}
