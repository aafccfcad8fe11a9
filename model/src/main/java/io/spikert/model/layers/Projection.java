package io.spikert.model.layers;

import io.spikert.runtime.backend.Backend;

/** A learned map from {@code in} to {@code out} features, applied to each of a chunk's tokens. */
public interface Projection {
    int in();

    int out();

    /** y[t] = P(x[t]) for {@code tokens} rows: x is [tokens, in] from xOff, y is [tokens, out] from yOff. */
    void forward(Backend backend, float[] x, int xOff, int tokens, float[] y, int yOff);

    default void forward(Backend backend, float[] x, int tokens, float[] y) {
        forward(backend, x, 0, tokens, y, 0);
    }
}
