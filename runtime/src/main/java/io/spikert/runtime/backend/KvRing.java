package io.spikert.runtime.backend;

import io.spikert.kernels.Bf16;

import java.util.Objects;

/**
 * Keys (after RoPE) and values of the last W + 1 positions of one SWA layer, per kv head: position p
 * lives in slot p mod capacity, so memory is constant in sequence length once the ring is full. The ring
 * holds them as F32 ({@link #keys}, {@link #values}) or as BF16 bits ({@link #keyBits}, {@link #valueBits}),
 * as its {@link KvPrecision} says; the other pair is null.
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
    private final KvPrecision precision;
    private float[] keys;
    private float[] values;
    private short[] keyBits;
    private short[] valueBits;
    private int capacity;
    /** Softmax scores, one row per kv head so heads can run in parallel (a group's query heads x the slots). */
    private final float[][] scores;

    /**
     * @param maxCapacity W + 1; {@code kvHeads * maxCapacity * headDim} must fit an array (the model's
     *                    config checks it)
     */
    public KvRing(int kvHeads, int maxCapacity, int headDim) {
        this(kvHeads, maxCapacity, headDim, KvPrecision.F32);
    }

    /** As {@link #KvRing(int, int, int)}, holding keys and values at {@code precision}. */
    public KvRing(int kvHeads, int maxCapacity, int headDim, KvPrecision precision) {
        if (kvHeads < 1 || maxCapacity < 1 || headDim < 1
                || (long) kvHeads * maxCapacity * headDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("KvRing: " + kvHeads + " kv heads x " + maxCapacity + " slots x "
                    + headDim + " floats is not a valid ring size");
        }
        this.kvHeads = kvHeads;
        this.maxCapacity = maxCapacity;
        this.headDim = headDim;
        this.precision = Objects.requireNonNull(precision, "precision");
        this.capacity = Math.min(maxCapacity, INITIAL_SLOTS);
        allocate(capacity);
        this.scores = new float[kvHeads][capacity];
    }

    private void allocate(int slots) {
        int n = kvHeads * slots * headDim;
        if (precision == KvPrecision.F32) {
            keys = new float[n];
            values = new float[n];
        } else {
            keyBits = new short[n];
            valueBits = new short[n];
        }
    }

    public KvPrecision precision() {
        return precision;
    }

    /** The F32 keys; null in a BF16 ring. */
    public float[] keys() {
        return keys;
    }

    /** The F32 values; null in a BF16 ring. */
    public float[] values() {
        return values;
    }

    /** The BF16 keys; null in an F32 ring. */
    public short[] keyBits() {
        return keyBits;
    }

    /** The BF16 values; null in an F32 ring. */
    public short[] valueBits() {
        return valueBits;
    }

    /** Writes {@code headDim} floats of key and of value into the slot at {@code slotOffset}, rounding in a BF16 ring. */
    public void store(int slotOffset, float[] k, int kOff, float[] v, int vOff) {
        if (precision == KvPrecision.F32) {
            System.arraycopy(k, kOff, keys, slotOffset, headDim);
            System.arraycopy(v, vOff, values, slotOffset, headDim);
        } else {
            Bf16.store(k, kOff, headDim, keyBits, slotOffset);
            Bf16.store(v, vOff, headDim, valueBits, slotOffset);
        }
    }

    /** {@code x} as the ring holds it: itself in an F32 ring, rounded to BF16 in a BF16 one. */
    public float held(float x) {
        return precision == KvPrecision.F32 ? x : Bf16.round(x);
    }

    /**
     * The key and value at {@code slotOffset} ({@link #slotOffset}) as F32: the key into column {@code column} of
     * {@code kt} (element c at {@code kt[c * ktStride + column]}), the value into {@code v} from {@code vAt}.
     */
    public void read(int slotOffset, float[] kt, int column, int ktStride, float[] v, int vAt) {
        if (precision == KvPrecision.F32) {
            for (int c = 0; c < headDim; c++) {
                kt[c * ktStride + column] = keys[slotOffset + c];
            }
            System.arraycopy(values, slotOffset, v, vAt, headDim);
        } else {
            for (int c = 0; c < headDim; c++) {
                kt[c * ktStride + column] = Bf16.value(keyBits[slotOffset + c]);
            }
            Bf16.widen(valueBits, slotOffset, headDim, v, vAt);
        }
    }

    /**
     * Copies {@code count} floats of keys and of values between the ring at {@code at} and {@code image} (keys at
     * {@code keysAt}, values at {@code valuesAt}): out of the ring when {@code out}, else into it. Out of a BF16 ring
     * they widen exactly; into one they round.
     */
    public void copy(int at, float[] image, int keysAt, int valuesAt, int count, boolean out) {
        if (precision == KvPrecision.F32) {
            if (out) {
                System.arraycopy(keys, at, image, keysAt, count);
                System.arraycopy(values, at, image, valuesAt, count);
            } else {
                System.arraycopy(image, keysAt, keys, at, count);
                System.arraycopy(image, valuesAt, values, at, count);
            }
        } else if (out) {
            Bf16.widen(keyBits, at, count, image, keysAt);
            Bf16.widen(valueBits, at, count, image, valuesAt);
        } else {
            Bf16.store(image, keysAt, count, keyBits, at);
            Bf16.store(image, valuesAt, count, valueBits, at);
        }
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
        Object oldKeys = storedKeys();
        Object oldValues = storedValues();
        allocate(grown);
        int used = capacity * headDim; // no position has wrapped: every slot of the old ring is a live slot
        for (int j = 0; j < kvHeads; j++) {
            System.arraycopy(oldKeys, j * used, storedKeys(), j * grown * headDim, used);
            System.arraycopy(oldValues, j * used, storedValues(), j * grown * headDim, used);
        }
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

    private Object storedKeys() {
        return precision == KvPrecision.F32 ? keys : keyBits;
    }

    private Object storedValues() {
        return precision == KvPrecision.F32 ? values : valueBits;
    }

    /** Bytes of the full ring (W + 1 slots), the most it holds, so a session's reported state does not grow. */
    @Override
    public long bytes() {
        return 2L * precision.bytes() * kvHeads * maxCapacity * headDim;
    }

    @Override
    public String toString() {
        return "KvRing[" + kvHeads + " kv heads, " + capacity + " of " + maxCapacity + " slots, head dim " + headDim
                + ", " + precision + "]";
    }
}
