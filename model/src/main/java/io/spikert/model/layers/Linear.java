package io.spikert.model.layers;

import io.spikert.model.ModelConfig;
import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.Matrix;
import io.spikert.runtime.backend.WeightVector;

/** {@code y = act(W x + b)} with W in nn.Linear layout [out, in]; {@code bias} is null when the layer has none. */
public record Linear(Matrix weight, WeightVector bias) implements Projection {

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
        ops.linear(weight, x.values(), rows, y);
        biasAct(ops, bias, out(), rows, y, act);
    }

    /** Adds the bias and applies the activation; the divisor only matters to LOG_SIGMOID, which only the GLA gate uses. */
    static void biasAct(Backend ops, WeightVector bias, int out, int rows, Floats y, Activation act) {
        ops.biasAct(y, bias, out, rows, act, ModelConfig.GATE_NORMALIZER);
    }
}
