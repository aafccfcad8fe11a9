package io.spikert.model.layers;

import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.Int8Matrix;

/**
 * {@code y = W x} for a raw weight that is exactly INT8 group codes times their scales (W8ASpike's
 * down_proj when the checkpoint holds fake-quantised values, or the packed form of it): the input stays
 * float, as MODEL.md's down_proj wants, and only the weight is held as codes, which halves the bytes a
 * token reads against BF16 without changing any weight's value.
 */
public record Int8Linear(Int8Matrix weights) implements Projection {

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
        ops.int8Linear(weights, x.values(), rows, y);
        Linear.biasAct(ops, null, out(), rows, y, act);
    }
}
