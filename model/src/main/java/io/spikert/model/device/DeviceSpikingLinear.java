package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceInt8Matrix;
import io.spikert.runtime.gpu.DeviceOps;
import io.spikert.runtime.gpu.DeviceOps.Activation;

/**
 * W8ASpike's QuantLinear on the device (as {@code layers.SpikingLinear}, MODEL.md section 4): the input
 * spiked per token, {@code vth = clamp(mean|x| / k, 1e-5, 1e4)}, {@code s = rint(x / vth)}, then
 * {@code y = act(vth * (W' s) + b)} with W' the INT8 group codes (outliers exact) times their scales.
 */
record DeviceSpikingLinear(DeviceInt8Matrix weights, long bias, float k) implements DeviceProjection {

    @Override
    public int out() {
        return weights.rows();
    }

    @Override
    public void forward(DeviceOps ops, DeviceInput x, int tokens, long y, Activation act) {
        x.spike(ops, k);
        DeviceWorkspace ws = x.workspace();
        ops.spikeLinear(weights, ws.spikeCounts, ws.spikeThresholds, tokens, y);
        DeviceLinear.biasAct(ops, bias, out(), tokens, y, act);
    }
}
