package io.spikert.model.layers;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.backend.Backend;

/**
 * {@code y = W x} for a raw weight that is exactly INT8 group codes times their scales (W8ASpike's
 * down_proj when the checkpoint holds fake-quantised values, or the packed form of it): the input stays
 * float, as MODEL.md's down_proj wants, and only the weight is held as codes, which halves the bytes a
 * token reads against BF16 without changing any weight's value.
 */
public record Int8Linear(String name, Int8Weights weights) implements Projection {

    @Override
    public int in() {
        return weights.cols();
    }

    @Override
    public int out() {
        return weights.rows();
    }

    @Override
    public void forward(Backend backend, float[] x, int xOff, int tokens, float[] y, int yOff) {
        if (tokens == 1) {
            backend.int8Linear(weights, x, xOff, y, yOff);
        } else {
            backend.int8LinearBatch(weights, x, xOff, tokens, y, yOff);
        }
    }
}
