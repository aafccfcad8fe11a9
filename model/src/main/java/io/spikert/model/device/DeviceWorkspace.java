package io.spikert.model.device;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceOps;

/**
 * A device session's activations for one chunk of at most {@code capacity} tokens, F32 row-major
 * [token, feature] (the device twin of {@code layers.Workspace}); fields are device pointers.
 */
final class DeviceWorkspace {
    final int capacity;
    final int hidden;
    /** Token ids of the chunk (int32). */
    final long ids;
    /** Residual stream. */
    final long x;
    /** Normalised input of the current sub-layer. */
    final long h;
    /** Output of the current sub-layer, added to x. */
    final long out;
    final long q;
    final long k;
    final long v;
    /** GLA log decay per key dimension. */
    final long g;
    /** Per-head attention outputs before o_proj. */
    final long o;
    /** GLA gate after its rank-16 down projection. */
    final long lowRank;
    final long mlpGate;
    final long mlpUp;
    /** RoPE tables of the chunk's positions, [capacity][D / 2]. */
    final long ropeCos;
    final long ropeSin;
    /** Logits of one token. */
    final long logits;
    /** Partials of the split decode attention, shared by the SWA layers (they run one after another); 0 without SWA. */
    final long swaPartials;
    final long swaPartialsBytes;
    /**
     * W8ASpike: spike counts (int32 [capacity][hidden], every spiked input is hidden wide) and thresholds
     * [capacity] of the input that last encoded them ({@link #spikesOwner}); 0 for the base model.
     */
    final long spikeCounts;
    final long spikeThresholds;
    DeviceInput spikesOwner;

    DeviceWorkspace(ModelConfig c, int capacity, boolean spiking, DeviceArena arena) {
        this.capacity = capacity;
        long rows = capacity;
        this.hidden = c.hiddenSize();
        ids = arena.allocate(4 * rows, "token ids").pointer();
        x = floats(arena, rows * hidden, "residual stream");
        h = floats(arena, rows * hidden, "normalised input");
        out = floats(arena, rows * hidden, "sub-layer output");
        q = floats(arena, rows * hidden, "queries");
        o = floats(arena, rows * hidden, "attention output");
        k = floats(arena, rows * c.kvDim(), "keys");
        v = floats(arena, rows * c.kvDim(), "values");
        g = floats(arena, rows * c.kvDim(), "GLA log decay");
        lowRank = floats(arena, rows * ModelConfig.GATE_LOW_RANK, "GLA gate rank-16 input");
        mlpGate = floats(arena, rows * c.intermediateSize(), "MLP gate");
        mlpUp = floats(arena, rows * c.intermediateSize(), "MLP up");
        ropeCos = floats(arena, rows * (c.headDim() / 2), "RoPE cos");
        ropeSin = floats(arena, rows * (c.headDim() / 2), "RoPE sin");
        logits = floats(arena, c.vocabSize(), "logits");
        if (c.swaLayerCount() > 0) {
            swaPartialsBytes = DeviceOps.swaDecodeScratchBytes(c.numHeads(), c.numKvHeads(), c.headDim(),
                    c.slidingWindow() + 1);
            swaPartials = arena.allocate(swaPartialsBytes, "SWA decode partials").pointer();
        } else {
            swaPartialsBytes = 0;
            swaPartials = 0;
        }
        spikeCounts = spiking ? arena.allocate(4 * rows * hidden, "spike counts").pointer() : 0;
        spikeThresholds = spiking ? floats(arena, rows, "spike thresholds") : 0;
    }

    private static long floats(DeviceArena arena, long count, String label) {
        return arena.allocate(4 * count, label).pointer();
    }
}
