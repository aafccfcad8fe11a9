package io.spikert.kernels.spike;

/**
 * Per-thread scratch of the batched kernels ({@link SpikeMatMul}, {@link Int8MatMul}): a tile's per-token
 * row results and group sums for one row segment, and a tile list for calls that list their own
 * counts. Kept apart from {@link SpikeScratch} so the per-token kernels' buffers are not resized by
 * a batch. A buffer only ever grows.
 */
final class BatchScratch {
    private BatchScratch() {}

    /**
     * Float slots: 0 per-token row results of a segment, 1 per-token group sums of a segment, 2 the codes
     * of a pass's channels over a segment, converted to float.
     */
    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[3][0]);

    private static final ThreadLocal<SpikeTileList> TILES = ThreadLocal.withInitial(SpikeTileList::new);

    static SpikeTileList tileList() {
        return TILES.get();
    }

    /** Float scratch slot {@code slot} (0..2): at least n floats, contents undefined. */
    static float[] floats(int slot, int n) {
        float[][] b = FLOATS.get();
        if (b[slot].length < n) {
            b[slot] = new float[n];
        }
        return b[slot];
    }
}
