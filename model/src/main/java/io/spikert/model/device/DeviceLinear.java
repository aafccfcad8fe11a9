package io.spikert.model.device;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.gpu.DeviceMatrix;
import io.spikert.runtime.gpu.DeviceOps;
import io.spikert.runtime.gpu.DeviceOps.Activation;

/** {@code y = act(W x + b)} on the device, W BF16 or F32; {@code bias} is 0 when the layer has none. */
record DeviceLinear(DeviceMatrix weight, long bias) implements DeviceProjection {

    @Override
    public int out() {
        return weight.rows();
    }

    @Override
    public void forward(DeviceOps ops, DeviceInput x, int tokens, long y, Activation act) {
        ops.linear(weight, x.values(), tokens, y);
        biasAct(ops, bias, out(), tokens, y, act);
    }

    /** Adds the bias and applies the activation, in one launch when either is there. */
    static void biasAct(DeviceOps ops, long bias, int out, int tokens, long y, Activation act) {
        if (bias != 0 || act != Activation.NONE) {
            // The divisor only matters to LOG_SIGMOID, which only the GLA gate uses.
            ops.biasAct(y, bias, out, tokens, act, ModelConfig.GATE_NORMALIZER);
        }
    }
}
