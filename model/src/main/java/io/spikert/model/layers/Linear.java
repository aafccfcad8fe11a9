package io.spikert.model.layers;

import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Backend;

/** {@code y = W x + b} with W in nn.Linear layout [out, in]; {@code bias} is null when the layer has none. */
public record Linear(Tensor weight, float[] bias) implements Projection {

    @Override
    public int in() {
        return (int) weight.dim(1);
    }

    @Override
    public int out() {
        return (int) weight.dim(0);
    }

    @Override
    public void forward(Backend backend, float[] x, int xOff, int tokens, float[] y, int yOff) {
        backend.linear(weight, x, xOff, tokens, y, yOff);
        if (bias != null) {
            addBias(y, yOff, tokens, bias);
        }
    }

    static void addBias(float[] y, int yOff, int tokens, float[] bias) {
        int out = bias.length;
        for (int t = 0; t < tokens; t++) {
            int row = yOff + t * out;
            for (int i = 0; i < out; i++) {
                y[row + i] += bias[i];
            }
        }
    }
}
