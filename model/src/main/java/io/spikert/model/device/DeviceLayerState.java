package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceBuffer;

/** The recurrent memory of one attention layer on the device, allocated in its session's arena. */
sealed interface DeviceLayerState {
    long bytes();

    /** GLA: one D x D F32 state per kv head, [kvHeads][D][D], zero at the start. */
    record Gla(DeviceBuffer state) implements DeviceLayerState {
        @Override
        public long bytes() {
            return state.bytes();
        }
    }

    /**
     * SWA: keys and values [kvHeads][capacity][D], position p in slot p % capacity. The capacity is
     * W + chunk, not W + 1: a whole prefill chunk enters the ring before its queries attend, and the
     * oldest key of the chunk's first query must survive the chunk's writes.
     */
    record KvRing(DeviceBuffer keys, DeviceBuffer values, int capacity) implements DeviceLayerState {
        @Override
        public long bytes() {
            return keys.bytes() + values.bytes();
        }
    }
}
