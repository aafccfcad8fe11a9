package io.spikert.runtime.gpu;

import io.spikert.runtime.backend.GlaState;

/** GLA state in device memory: [kvHeads][D][D] F32, zero at the start. */
public record DeviceGlaState(DeviceBuffer state, int kvHeads, int headDim) implements GlaState {
    @Override
    public long bytes() {
        return state.bytes();
    }
}
