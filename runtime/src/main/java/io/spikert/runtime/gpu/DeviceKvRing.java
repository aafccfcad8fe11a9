package io.spikert.runtime.gpu;

import io.spikert.runtime.backend.KvCache;
import io.spikert.runtime.backend.KvPrecision;

/**
 * SWA keys and values in device memory, [kvHeads][capacity][D] each, position p in slot p % capacity, as
 * {@code precision} holds them: F32, or BF16 bits (rounded to nearest even as they enter, widened exactly as
 * the attention reads them; the same values as the CPU's BF16 ring). The capacity is W + chunk, not W + 1: a
 * whole prefill chunk enters the ring before its queries attend, and the oldest key of the chunk's first query
 * must survive the chunk's writes. {@code scratch} holds the split decode attention's partials
 * ({@link DeviceOps#swaDecode}), shared by the rings of one memory.
 */
public record DeviceKvRing(DeviceBuffer keys, DeviceBuffer values, int capacity, int kvHeads, int queryHeads,
                           int headDim, int window, KvPrecision precision, DeviceBuffer scratch) implements KvCache {
    @Override
    public long bytes() {
        return keys.bytes() + values.bytes();
    }
}
