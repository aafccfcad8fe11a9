package io.spikert.model.layers;

import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;

/** A learned map from {@code in} to {@code out} features, applied to each of a batch's rows. */
public sealed interface Projection permits Linear, QuantizedLinear, LowRankProjection, SpikingLinear, Int8Linear {
    int in();

    int out();

    /** y[r] = act(P(x[r])) for {@code rows} rows: x is [rows, in], y is [rows, out]. */
    void forward(Backend ops, LayerInput x, int rows, Floats y, Activation act);

    default void forward(Backend ops, LayerInput x, int rows, Floats y) {
        forward(ops, x, rows, y, Activation.NONE);
    }
}
