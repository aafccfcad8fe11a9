package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceOps;

/** The token-mixing half of a device decoder layer: reads {@code ws.h}, writes {@code ws.out}. */
sealed interface DeviceMixer permits DeviceGla, DeviceSwa {

    /** Zeroed state for a session prefilling at most {@code chunk} tokens at a time. */
    DeviceLayerState newState(DeviceArena arena, int chunk);

    /** Mixes {@code tokens} tokens at absolute positions {@code pos0 ..}, advancing {@code state}. */
    void forward(DeviceOps ops, DeviceWorkspace ws, DeviceLayerState state, int tokens, long pos0);
}
