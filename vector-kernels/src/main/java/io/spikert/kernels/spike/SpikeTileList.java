package io.spikert.kernels.spike;

import java.util.Arrays;
import java.util.Objects;

/**
 * The input channels of a batch of spike-count vectors (counts [tokens][cols]) listed per tile of up to
 * {@link #tileTokens()} consecutive tokens, for {@link SpikeMatMul}: a tile's list holds, by scale group,
 * every channel whose count is non-zero in at least one of the tile's tokens (the union), with the
 * tile's counts of it side by side as floats. A channel silent in every token of a tile is left out, so
 * the tile never reads its runs; a channel active in any token is read once for the whole tile.
 *
 * <p>Also notes per tile whether float sums of code times count are exact: when every token's sum of
 * |count| over each group, times 127, is at most 2^24, every partial sum of a group is an integer a
 * float holds exactly, so float FMAs give the integer group sums of {@link SpikeMatVec} bit for bit.
 * Realistic counts (|s| mostly below 16) are far inside that; a tile outside it is computed token by token.
 *
 * <p>Listed once per batch and shared by every thread that takes a row range of it (only read there).
 * Reusable: a list only ever grows its arrays. It keeps a reference to the counts, which must not change
 * while a product reads the list.
 */
public final class SpikeTileList {
    /**
     * Tokens per tile unless the caller passes another count: each weight piece is converted once and
     * reused by this many tokens, and a thread keeps one or two floats per token and segment row (see
     * {@link BatchWalk}). Converting a segment's pieces costs about as much as a few tokens' products, so
     * larger tiles pay, up to the L2 size of the per-token arrays (measurements: docs/PERFORMANCE.md).
     * The runtime passes its tuning value ({@code io.spikert.runtime.Tuning}); this is its default.
     */
    public static final int DEFAULT_TILE_TOKENS = 32;

    /** Most tokens per tile: the per-thread arrays of a tile (tokens x segment rows) stay in L2 up to here. */
    public static final int MAX_TILE_TOKENS = 64;

    private static final int GROUP = Int8Weights.GROUP;
    /** Largest sum of |count| over a group for which 127 times it stays within float's exact integers. */
    private static final long EXACT_ABS_SUM = (1L << 24) / Int8Weights.MAX_INT8_CODE;

    int[] channel = new int[0];
    /**
     * The counts as floats, token-major within each tile: entry k of tile i (entries [e0, e1) of channel)
     * in its token u is value[e0 * tileTokens + u * (e1 - e0) + (k - e0)], so a kernel walking a tile's
     * entries reads each token's counts at unit stride.
     */
    float[] value = new float[0];
    /** The counts as int16, laid out as {@link #value}: read by the int16 path where {@link #shortFits} says so. */
    short[] shortValue = new short[0];
    /** Entry-major staging of one tile's counts while it is listed: [k - e0][tileTokens]. */
    private float[] staging = new float[0];
    /** Tile i's group g holds entries [groupEnd[i * (groups + 1) + g], groupEnd[i * (groups + 1) + g + 1]). */
    int[] groupEnd = new int[0];
    boolean[] exact = new boolean[0];
    /** Whether every count of tile i has |s| at most {@link ShortTile#MAX_COUNT}: its product may take int16 lanes. */
    boolean[] shortFits = new boolean[0];
    int[] active = new int[0];
    private long[] absSum = new long[0];
    int[] counts;
    int cOff;
    int cols;
    int groups;
    int tokens;
    int tileTokens;
    int tiles;

    /** Lists counts[cOff + t * cols .. + cols) for t in [0, tokens) in tiles of {@link #DEFAULT_TILE_TOKENS}; checks every count's bound. */
    public SpikeTileList list(int[] counts, int cOff, int cols, int tokens) {
        return fill("SpikeTileList.list", counts, cOff, cols, tokens, DEFAULT_TILE_TOKENS);
    }

    /** As {@link #list(int[], int, int, int)} in tiles of {@code tileTokens} tokens (at least 1). */
    public SpikeTileList list(int[] counts, int cOff, int cols, int tokens, int tileTokens) {
        return fill("SpikeTileList.list", counts, cOff, cols, tokens, checkTileTokens("SpikeTileList.list: tileTokens", tileTokens));
    }

    SpikeTileList fill(String who, int[] counts, int cOff, int cols, int tokens, int tileTokens) {
        if (cols < 1 || cols % GROUP != 0) {
            throw new IllegalArgumentException(who + ": input size " + cols + " must be a positive multiple of the scale group " + GROUP);
        }
        if (tokens < 1) {
            throw new IllegalArgumentException(who + ": tokens must be at least 1, got " + tokens);
        }
        Objects.checkFromIndexSize(cOff, Math.multiplyExact(tokens, cols), counts.length);
        int groups = cols / GROUP;
        int tiles = (tokens + tileTokens - 1) / tileTokens;
        int maxEntries = Math.multiplyExact(tiles, cols);
        if (channel.length < maxEntries) {
            channel = new int[maxEntries];
        }
        if (value.length < (long) maxEntries * tileTokens) {
            value = new float[Math.multiplyExact(maxEntries, tileTokens)];
            shortValue = new short[value.length];
        }
        if (groupEnd.length < tiles * (groups + 1)) {
            groupEnd = new int[tiles * (groups + 1)];
        }
        if (exact.length < tiles) {
            exact = new boolean[tiles];
            shortFits = new boolean[tiles];
        }
        if (active.length < tokens) {
            active = new int[tokens];
        }
        if (staging.length < cols * tileTokens) {
            staging = new float[cols * tileTokens];
        }
        if (absSum.length < tileTokens) {
            absSum = new long[tileTokens];
        }
        int[] ch = channel;
        float[] val = value;
        short[] sval = shortValue;
        float[] st = staging;
        int[] ge = groupEnd;
        long[] abs = absSum;
        Arrays.fill(active, 0, tokens, 0);
        int n = 0;
        for (int i = 0; i < tiles; i++) {
            int t0 = i * tileTokens;
            int tt = Math.min(tileTokens, tokens - t0);
            boolean fits = true;
            int maxAbs = 0;
            int ge0 = i * (groups + 1);
            int e0 = n;
            ge[ge0] = n;
            for (int g = 0; g < groups; g++) {
                Arrays.fill(abs, 0, tt, 0L);
                for (int c = g * GROUP; c < (g + 1) * GROUP; c++) {
                    boolean any = false;
                    int vo = (n - e0) * tileTokens;
                    for (int t = 0; t < tt; t++) {
                        int s = counts[cOff + (t0 + t) * cols + c];
                        Int8Weights.checkCount(who, s, c);
                        st[vo + t] = s;
                        if (s != 0) {
                            any = true;
                            active[t0 + t]++;
                            abs[t] += Math.abs(s);
                            maxAbs = Math.max(maxAbs, Math.abs(s));
                        }
                    }
                    if (any) {
                        ch[n++] = c;
                    }
                }
                for (int t = 0; t < tt; t++) {
                    fits &= abs[t] <= EXACT_ABS_SUM;
                }
                ge[ge0 + g + 1] = n;
            }
            exact[i] = fits;
            shortFits[i] = maxAbs <= ShortTile.MAX_COUNT;
            int u = n - e0;
            int vb = e0 * tileTokens;
            for (int t = 0; t < tt; t++) {
                for (int k = 0; k < u; k++) {
                    float v = st[k * tileTokens + t];
                    val[vb + t * u + k] = v;
                    sval[vb + t * u + k] = (short) v;
                }
            }
        }
        this.counts = counts;
        this.cOff = cOff;
        this.cols = cols;
        this.groups = groups;
        this.tokens = tokens;
        this.tileTokens = tileTokens;
        this.tiles = tiles;
        return this;
    }

    /** Input size of the counts listed (0 before the first listing). */
    public int cols() {
        return cols;
    }

    public int tokens() {
        return tokens;
    }

    /** Most tokens per tile (the last tile may have fewer). */
    public int tileTokens() {
        return tileTokens;
    }

    public int tiles() {
        return tiles;
    }

    /** The first token of tile i. */
    public int tileStart(int tile) {
        return Objects.checkIndex(tile, tiles) * tileTokens;
    }

    /** Tokens in tile i. */
    public int tileSize(int tile) {
        return Math.min(tileTokens, tokens - tileStart(tile));
    }

    /** Channels listed for tile i: those non-zero in at least one of its tokens; the runs its product reads. */
    public int unionSize(int tile) {
        Objects.checkIndex(tile, tiles);
        return groupEnd[tile * (groups + 1) + groups] - groupEnd[tile * (groups + 1)];
    }

    /** Non-zero counts of one token. */
    public int activeCount(int token) {
        return active[Objects.checkIndex(token, tokens)];
    }

    /** Whether tile i's group sums are exact in float (see the class comment); if not, its product runs token by token. */
    public boolean exactInFloat(int tile) {
        return exact[Objects.checkIndex(tile, tiles)];
    }

    /** Checks that this list was made for the weights' input size. */
    void checkFor(String kernel, Int8Weights w) {
        if (cols != w.cols) {
            throw new IllegalArgumentException(kernel + ": tile list is for " + cols + " inputs, the weights have " + w.cols);
        }
    }

    /** Returns n if it is a valid tile size, [1, {@link #MAX_TILE_TOKENS}]; otherwise an error naming {@code what}. */
    static int checkTileTokens(String what, int n) {
        if (n < 1 || n > MAX_TILE_TOKENS) {
            throw new IllegalArgumentException(what + ": tokens per tile must be in [1, " + MAX_TILE_TOKENS + "], got " + n);
        }
        return n;
    }
}
