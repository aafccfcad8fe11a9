package io.spikert.kernels.spike;

/**
 * Per-thread scratch for the event lists and accumulators the kernels build once per call, so kernels
 * stay safe to call from any number of threads. A buffer only ever grows. Int slots: 0 step sums
 * (SpikeTrainMatVec), 3 counts rebuilt from spike
 * trains, 4 a block's int group sums. Float slots: 0 per-row results, 1 a block's float group sums.
 */
final class SpikeScratch {
    private SpikeScratch() {}

    private static final ThreadLocal<int[][]> BUFFERS = ThreadLocal.withInitial(() -> new int[5][0]);

    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[2][0]);

    private static final ThreadLocal<ChannelList> CHANNELS = ThreadLocal.withInitial(ChannelList::new);

    /** This thread's channel list, for kernels called with counts (listed per call). */
    static ChannelList channels() {
        return CHANNELS.get();
    }

    /** Float scratch slot {@code slot} (0..1): at least n floats, contents undefined. */
    static float[] floats(int slot, int n) {
        float[][] b = FLOATS.get();
        if (b[slot].length < n) {
            b[slot] = new float[n];
        }
        return b[slot];
    }

    /** Scratch slot {@code slot} (0..4): at least n ints, contents undefined. */
    static int[] ints(int slot, int n) {
        int[][] b = BUFFERS.get();
        if (b[slot].length < n) {
            b[slot] = new int[Math.max(n, b[slot].length + b[slot].length / 2)];
        }
        return b[slot];
    }
}
