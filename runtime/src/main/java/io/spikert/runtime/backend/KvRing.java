package io.spikert.runtime.backend;

/**
 * Keys (after RoPE) and values of the last W + 1 positions of one SWA layer, per kv head: position p
 * lives in slot p mod capacity, so memory is constant in sequence length once the ring is full.
 *
 * <p>The ring starts small and grows with the positions it has been given, up to its {@link #maxCapacity}
 * of W + 1 slots: a config's {@code sliding_window} only bounds the memory, the tokens actually run
 * spend it. A ring grows only while no position has wrapped (every position p so far sits in slot p),
 * so growing copies each head's slots to the same slot indices of the larger ring.
 */
public final class KvRing implements KvCache {
    /** Slots of a fresh ring (or W + 1 when that is fewer). */
    static final int INITIAL_SLOTS = 64;

    private final int kvHeads;
    private final int maxCapacity;
    private final int headDim;
    private float[] keys;
    private float[] values;
    private int capacity;
    /** Softmax scores, one row per kv head so heads can run in parallel (a group's query heads x the slots). */
    private final float[][] scores;

    /**
     * @param maxCapacity W + 1; {@code kvHeads * maxCapacity * headDim} must fit an array (the model's
     *                    config checks it)
     */
    public KvRing(int kvHeads, int maxCapacity, int headDim) {
        if (kvHeads < 1 || maxCapacity < 1 || headDim < 1
                || (long) kvHeads * maxCapacity * headDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KvRing: " + kvHeads + " kv heads x " + maxCapacity + " slots x "
                    + headDim + " floats is not a valid ring size");
        }
        this.kvHeads = kvHeads;
        this.maxCapacity = maxCapacity;
        this.headDim = headDim;
        this.capacity = Math.min(maxCapacity, INITIAL_SLOTS);
        this.keys = new float[kvHeads * capacity * headDim];
        this.values = new float[kvHeads * capacity * headDim];
        this.scores = new float[kvHeads][capacity];
    }

    public float[] keys() {
        return keys;
    }

    public float[] values() {
        return values;
    }

    /** Slots allocated now; grows to {@link #maxCapacity} as positions arrive. */
    public int capacity() {
        return capacity;
    }

    /** W + 1. */
    public int maxCapacity() {
        return maxCapacity;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    /**
     * Makes room for positions [0, positions) while they fit without wrapping: call before writing any
     * position below {@code positions}. Single-threaded; the arrays may be replaced.
     */
    public void ensurePositions(long positions) {
        if (capacity == maxCapacity || positions <= capacity) {
            return;
        }
        int grown = (int) Math.min(maxCapacity, Math.max(positions, 2L * capacity));
        float[] k = new float[kvHeads * grown * headDim];
        float[] v = new float[kvHeads * grown * headDim];
        int used = capacity * headDim; // no position has wrapped: every slot of the old ring is a live slot
        for (int j = 0; j < kvHeads; j++) {
            System.arraycopy(keys, j * used, k, j * grown * headDim, used);
            System.arraycopy(values, j * used, v, j * grown * headDim, used);
        }
        keys = k;
        values = v;
        capacity = grown;
        for (int j = 0; j < kvHeads; j++) {
            scores[j] = new float[grown];
        }
    }

    /**
     * Score rows of kv head {@code j} for {@code heads} query heads at once: at least {@code heads} x
     * {@link #capacity} floats, grown on first use (each kv head's row is its own, so heads may run in parallel).
     */
    float[] scores(int j, int heads) {
        long need = (long) heads * capacity;
        if (scores[j].length < need) {
            if (need > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("KvRing: " + heads + " heads x " + capacity + " slots of scores");
            }
            scores[j] = new float[(int) need];
        }
        return scores[j];
    }

    @Override
    public int kvHeads() {
        return kvHeads;
    }

    @Override
    public int window() {
        return maxCapacity;
    }

    /** Offset of kv head {@code j}'s ring in {@link #keys} and {@link #values}. */
    public int headOffset(int j) {
        return j * capacity * headDim;
    }

    /** Offset of position {@code pos} of kv head {@code j}. */
    public int slotOffset(int j, long pos) {
        return headOffset(j) + (int) (pos % capacity) * headDim;
    }

    /** Bytes of the full ring (W + 1 slots), the most it holds, so a session's reported state does not grow. */
    @Override
    public long bytes() {
        return 8L * kvHeads * maxCapacity * headDim;
    }

    @Override
    public String toString() {
        return "KvRing[" + kvHeads + " kv heads, " + capacity + " of " + maxCapacity + " slots, head dim " + headDim
                + "]";
    }
}
