package io.spikert.model.layers;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.Ints;
import io.spikert.runtime.backend.Memory;
import io.spikert.runtime.backend.Spikes;

/**
 * The activations of one forward pass of at most {@code capacity} rows, in backend memory, laid out
 * row-major [row, feature]. Sized once from the config, so memory does not grow with the prompt.
 */
public final class Workspace {
    public final int capacity;
    /** Token ids of the rows. */
    public final Ints ids;
    /** Residual stream x. */
    public final Floats x;
    /** Normalised input of the current sub-layer. */
    public final Floats h;
    /** Output of the current sub-layer, added to x. */
    public final Floats out;
    public final Floats q;
    public final Floats k;
    public final Floats v;
    /** GLA log decay per key dimension. */
    public final Floats g;
    /** Per-head attention outputs before o_proj. */
    public final Floats o;
    /** The base model's GLA gate between its rank-16 factors. */
    public final Floats lowRank;
    public final Floats mlpGate;
    public final Floats mlpUp;
    /** RoPE tables of the rows' positions, [row][headDim / 2]. */
    public final Floats ropeCos;
    public final Floats ropeSin;
    /** Logits of one row. */
    public final Floats logits;
    /** W8ASpike: spike counts of a spiked input, every one hidden wide; null for the base model. */
    public final Spikes spikes;
    /** The input whose counts {@link #spikes} holds now. */
    LayerInput spikesOwner;

    /**
     * @throws IllegalArgumentException when {@code capacity} is not positive or a chunk of that many rows
     *                                  would need an array larger than the VM allows
     */
    public Workspace(ModelConfig c, int capacity, boolean spiking, Memory memory) {
        if (capacity < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1 token, got " + capacity);
        }
        this.capacity = capacity;
        int hidden = c.hiddenSize();
        checkChunk(capacity, Math.max(hidden, c.intermediateSize()));
        long rows = capacity;
        ids = memory.ints(capacity, "token ids");
        x = memory.floats(rows * hidden, "residual stream");
        h = memory.floats(rows * hidden, "normalised input");
        out = memory.floats(rows * hidden, "sub-layer output");
        q = memory.floats(rows * hidden, "queries");
        o = memory.floats(rows * hidden, "attention output");
        k = memory.floats(rows * c.kvDim(), "keys");
        v = memory.floats(rows * c.kvDim(), "values");
        g = memory.floats(rows * c.kvDim(), "GLA log decay");
        lowRank = memory.floats(rows * ModelConfig.GATE_LOW_RANK, "GLA gate rank-16 input");
        mlpGate = memory.floats(rows * c.intermediateSize(), "MLP gate");
        mlpUp = memory.floats(rows * c.intermediateSize(), "MLP up");
        ropeCos = memory.floats(rows * (c.headDim() / 2), "RoPE cos");
        ropeSin = memory.floats(rows * (c.headDim() / 2), "RoPE sin");
        logits = memory.floats(c.vocabSize(), "logits");
        spikes = spiking ? memory.spikes(capacity, hidden, "spike counts") : null;
    }

    /** Refuses a chunk whose [tokens, width] block of floats does not fit one array. */
    public static void checkChunk(int tokens, int width) {
        long n = (long) tokens * width;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a chunk of " + tokens + " tokens x " + width + " = " + n
                    + " floats is more than one array holds; use a smaller chunk");
        }
    }
}
