package io.spikert.model.layers;

/** One D x D fp32 state per kv head, S[i][j] with i the key dimension; starts at zero. */
public record GlaState(float[] s) implements LayerState {
    public GlaState(int kvHeads, int headDim) {
        this(new float[kvHeads * headDim * headDim]);
    }

    @Override
    public long bytes() {
        return 4L * s.length;
    }
}
