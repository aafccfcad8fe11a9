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

    /** Short slots ({@link ShortTile}): 0 the codes of a group's listed channels over a segment as int16, 1 a chunk's int16 sums. */
    private static final ThreadLocal<short[][]> SHORTS = ThreadLocal.withInitial(() -> new short[2][0]);

    /** Int slots ({@link ShortTile}): 0 and 1 a tile's chunks, 2 a panel's int group sums. */
    private static final ThreadLocal<int[][]> INTS = ThreadLocal.withInitial(() -> new int[3][0]);

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

    /** Short scratch slot {@code slot} (0..1): at least n shorts, contents undefined. */
    static short[] shorts(int slot, int n) {
        short[][] b = SHORTS.get();
        if (b[slot].length < n) {
            b[slot] = new short[n];
        }
        return b[slot];
    }

    /** Int scratch slot {@code slot} (0..2): at least n ints, contents undefined. */
    static int[] ints(int slot, int n) {
        int[][] b = INTS.get();
        if (b[slot].length < n) {
            b[slot] = new int[n];
        }
        return b[slot];
    }
}
