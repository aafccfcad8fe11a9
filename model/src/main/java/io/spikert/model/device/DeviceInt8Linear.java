package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceInt8Matrix;
import io.spikert.runtime.gpu.DeviceOps;
import io.spikert.runtime.gpu.DeviceOps.Activation;

/**
 * W8ASpike's down_proj on the device when its raw weight is exactly INT8 codes times their scales (as
 * {@code layers.Int8Linear}): {@code y = act(W x)} with the float input, un-spiked, as MODEL.md wants.
 */
record DeviceInt8Linear(DeviceInt8Matrix weights) implements DeviceProjection {

    @Override
    public int out() {
        return weights.rows();
    }

    @Override
    public void forward(DeviceOps ops, DeviceInput x, int tokens, long y, Activation act) {
        ops.int8Linear(weights, x.values(), tokens, y);
        DeviceLinear.biasAct(ops, 0L, out(), tokens, y, act);
    }
}
