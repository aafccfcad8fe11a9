package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceOps;
import io.spikert.runtime.gpu.DeviceOps.Activation;

/**
 * A learned map on the device from {@code in} to {@code out} features (the twin of {@code layers.Projection}):
 * {@code y[t] = act(P(x[t]) + b)} for each of {@code tokens} rows, y [tokens][out] F32.
 */
sealed interface DeviceProjection permits DeviceLinear, DeviceLowRankGate, DeviceSpikingLinear, DeviceInt8Linear {
    int out();

    void forward(DeviceOps ops, DeviceInput x, int tokens, long y, Activation act);

    default void forward(DeviceOps ops, DeviceInput x, int tokens, long y) {
        forward(ops, x, tokens, y, Activation.NONE);
    }
}
