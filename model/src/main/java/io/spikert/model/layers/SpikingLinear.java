package io.spikert.model.layers;

import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.Int8Matrix;
import io.spikert.runtime.backend.WeightVector;

/**
 * W8ASpike's QuantLinear (MODEL.md section 4): each token's input is spiked,
 * {@code vth = clamp(mean|x| / k, 1e-5, 1e4)}, {@code s = rint(x / vth)}, then
 * {@code y = vth * (W' s) + b} with {@code W' = rint(W / scale) * scale} per group of 128 inputs.
 * The weights are INT8 codes with exact outlier corrections (integer sums inside each group, one scale
 * multiply per group), or on the CPU their float fake-quantisation twin, the test reference.
 */
public record SpikingLinear(Int8Matrix weights, WeightVector bias, float k) implements Projection {

    @Override
    public int in() {
        return weights.cols();
    }

    @Override
    public int out() {
        return weights.rows();
    }

    @Override
    public void forward(Backend ops, LayerInput x, int rows, Floats y, Activation act) {
        x.spike(ops, k);
        ops.spikeLinear(weights, x.workspace().spikes, rows, y);
        Linear.biasAct(ops, bias, out(), rows, y, act);
    }
}
