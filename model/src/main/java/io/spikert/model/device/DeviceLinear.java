package io.spikert.model.device;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.gpu.DeviceMatrix;
import io.spikert.runtime.gpu.DeviceOps;
import io.spikert.runtime.gpu.DeviceOps.Activation;

/** {@code y = act(W x + b)} on the device; {@code bias} is 0 when the layer has none. */
record DeviceLinear(DeviceMatrix weight, long bias) {

    int out() {
        return weight.rows();
    }

    void forward(DeviceOps ops, long x, int tokens, long y, Activation act) {
        ops.linear(weight, x, tokens, y);
        if (bias != 0 || act != Activation.NONE) {
            // The divisor only matters to LOG_SIGMOID, which only the GLA gate uses.
            ops.biasAct(y, bias, out(), tokens, act, ModelConfig.GATE_NORMALIZER);
        }
    }

    void forward(DeviceOps ops, long x, int tokens, long y) {
        forward(ops, x, tokens, y, Activation.NONE);
    }
}
