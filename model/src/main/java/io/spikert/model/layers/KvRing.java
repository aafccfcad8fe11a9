package io.spikert.model.layers;

/**
 * Keys (after RoPE) and values of the last {@code capacity} = W + 1 positions of one SWA layer,
 * per kv head: position p lives in slot p mod capacity, so memory is constant in sequence length.
 */
public record KvRing(float[] keys, float[] values, int capacity, int headDim) implements LayerState {
    public KvRing(int kvHeads, int capacity, int headDim) {
        this(new float[kvHeads * capacity * headDim], new float[kvHeads * capacity * headDim], capacity, headDim);
    }

    /** Offset of kv head {@code j}'s ring in {@link #keys} and {@link #values}. */
    public int headOffset(int j) {
        return j * capacity * headDim;
    }

    /** Offset of position {@code pos} of kv head {@code j}. */
    public int slotOffset(int j, long pos) {
        return headOffset(j) + (int) (pos % capacity) * headDim;
    }

    @Override
    public long bytes() {
        return 4L * (keys.length + values.length);
    }
}
