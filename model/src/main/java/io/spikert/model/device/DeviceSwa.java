package io.spikert.model.device;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceOps;

/**
 * SWA on the device (MODEL.md section 3, as {@code layers.SlidingWindowAttention}, base model): q, k, v
 * with biases, rotate-half RoPE from the chunk's tables, keys and values into the ring, then each query
 * at p attends positions max(0, p - W) .. p (W + 1 keys): one block per query for a prefill chunk, the
 * key range split over many blocks for a decode step.
 */
record DeviceSwa(ModelConfig config, DeviceLinear q, DeviceLinear k, DeviceLinear v, DeviceLinear o)
        implements DeviceMixer {

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

        q.forward(ops, ws.h, tokens, ws.q);
        k.forward(ops, ws.h, tokens, ws.k);
        v.forward(ops, ws.h, tokens, ws.v);
        ops.rope(ws.q, ws.ropeCos, ws.ropeSin, tokens, config.numHeads(), d, hidden);
        ops.rope(ws.k, ws.ropeCos, ws.ropeSin, tokens, config.numKvHeads(), d, kvDim);
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
        o.forward(ops, ws.o, tokens, ws.out);
    }
}
