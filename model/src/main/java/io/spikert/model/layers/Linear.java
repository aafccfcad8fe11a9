package io.spikert.model.layers;

import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Backend;

/** {@code y = W x + b} with W in nn.Linear layout [out, in]; {@code bias} is null when the layer has none. */
public record Linear(Tensor weight, float[] bias) {

    public int in() {
        return (int) weight.dim(1);
    }

    public int out() {
        return (int) weight.dim(0);
    }

    /** Applies the layer to {@code tokens} rows: x is [tokens, in] from xOff, y is [tokens, out] from yOff. */
    public void forward(Backend backend, float[] x, int xOff, int tokens, float[] y, int yOff) {
        backend.linear(weight, x, xOff, tokens, y, yOff);
        if (bias != null) {
            int out = out();
            for (int t = 0; t < tokens; t++) {
                int row = yOff + t * out;
                for (int i = 0; i < out; i++) {
                    y[row + i] += bias[i];
                }
            }
        }
    }

    public void forward(Backend backend, float[] x, int tokens, float[] y) {
        forward(backend, x, 0, tokens, y, 0);
    }
}
