package io.spikert.model.device;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceOps;

/**
 * SWA on the device (MODEL.md section 3, as {@code layers.SlidingWindowAttention}): q, k, v with biases,
 * rotate-half RoPE from the chunk's tables, keys and values into the ring, then each query at p attends
 * positions max(0, p - W) .. p (W + 1 keys): one block per query for a prefill chunk, the key range split
 * over many blocks for a decode step. W8ASpike (section 4, {@code querySpikeK > 0}): after RoPE each
 * query head is replaced by the value its spike train carries, and each key and value head by its int8
 * quantisation, before the keys and values enter the ring (which holds them dequantised, as the CPU's).
 */
record DeviceSwa(ModelConfig config, DeviceProjection q, DeviceProjection k, DeviceProjection v, DeviceProjection o,
                 float querySpikeK) implements DeviceMixer {

    /** The base model: no spiking. */
    DeviceSwa(ModelConfig config, DeviceProjection q, DeviceProjection k, DeviceProjection v, DeviceProjection o) {
        this(config, q, k, v, o, 0f);
    }

    boolean spiking() {
        return querySpikeK > 0;
    }

    @Override
    public DeviceLayerState newState(DeviceArena arena, int chunk) {
        int capacity = Math.addExact(config.slidingWindow(), chunk);
        long bytes = 4L * config.numKvHeads() * capacity * config.headDim();
        return new DeviceLayerState.KvRing(arena.zeros(bytes, "SWA key ring"), arena.zeros(bytes, "SWA value ring"), capacity);
    }

    @Override
    public void forward(DeviceOps ops, DeviceWorkspace ws, DeviceLayerState state, int tokens, long pos0) {
        var ring = (DeviceLayerState.KvRing) state;
        int hidden = config.hiddenSize();
        int kvDim = config.kvDim();
        int d = config.headDim();
        float scale = (float) (1.0 / Math.sqrt(d));

        var h = new DeviceInput(ws, ws.h, hidden, tokens);
        q.forward(ops, h, tokens, ws.q);
        k.forward(ops, h, tokens, ws.k);
        v.forward(ops, h, tokens, ws.v);
        ops.rope(ws.q, ws.ropeCos, ws.ropeSin, tokens, config.numHeads(), d, hidden);
        ops.rope(ws.k, ws.ropeCos, ws.ropeSin, tokens, config.numKvHeads(), d, kvDim);
        if (spiking()) {
            // Heads are contiguous rows of D: [tokens][heads][D].
            ops.spikeQuantize(ws.q, d, querySpikeK, tokens * config.numHeads());
            ops.int8Quantize(ws.k, d, tokens * config.numKvHeads());
            ops.int8Quantize(ws.v, d, tokens * config.numKvHeads());
        }
        long keys = ring.keys().pointer();
        long values = ring.values().pointer();
        ops.kvStore(keys, values, ws.k, ws.v, tokens, config.numKvHeads(), d, ring.capacity(), pos0, kvDim);
        if (tokens == 1) {
            // One query per head: split over the keys so the step fills the device (see DeviceOps.swaDecode).
            ops.swaDecode(ws.q, keys, values, ws.o, ws.swaPartials, ws.swaPartialsBytes, config.numHeads(),
                    config.numKvHeads(), d, ring.capacity(), config.slidingWindow() + 1, pos0, scale);
        } else {
            ops.swaAttend(ws.q, keys, values, ws.o, tokens, config.numHeads(), config.numKvHeads(), d, ring.capacity(),
                    config.slidingWindow() + 1, pos0, scale, hidden, hidden);
        }
        o.forward(ops, new DeviceInput(ws, ws.o, hidden, tokens), tokens, ws.out);
    }
}
