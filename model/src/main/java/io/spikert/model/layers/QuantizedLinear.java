package io.spikert.model.layers;

import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.QuantMatrix;
import io.spikert.runtime.backend.WeightVector;

/**
 * {@code y = act(W x + b)} as {@link Linear}, with W quantised at load to q8 or q4 codes
 * ({@link io.spikert.model.WeightQuantization}): the same layer over fewer weight bytes, the input float.
 */
public record QuantizedLinear(QuantMatrix weight, WeightVector bias) implements Projection {

    @Override
    public int in() {
        return weight.cols();
    }

    @Override
    public int out() {
        return weight.rows();
    }

    @Override
    public void forward(Backend ops, LayerInput x, int rows, Floats y, Activation act) {
        ops.quantLinear(weight, x.values(), rows, y);
        Linear.biasAct(ops, bias, out(), rows, y, act);
    }
}
