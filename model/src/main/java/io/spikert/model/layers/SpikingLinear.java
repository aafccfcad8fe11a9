package io.spikert.model.layers;

import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Backend;

/**
 * W8ASpike's QuantLinear: the input is spiked per token, then {@code y = vth * (W' s) + b}, where
 * {@code W' = rint(W / scale) * scale} per group of 128 inputs (MODEL.md section 4). This is the
 * float fake-quantisation form: W' is held as F32, the counts as exact small floats.
 */
public record SpikingLinear(Tensor quantizedWeight, float[] bias, float k) implements Projection {

    @Override
    public int in() {
        return (int) quantizedWeight.dim(1);
    }

    @Override
    public int out() {
        return (int) quantizedWeight.dim(0);
    }

    @Override
    public void forward(Backend backend, float[] x, int xOff, int tokens, float[] y, int yOff) {
        int in = in();
        int out = out();
        float[] counts = new float[tokens * in];
        double[] vth = new double[tokens];
        for (int t = 0; t < tokens; t++) {
            vth[t] = SpikeQuantizer.spikeCounts(x, xOff + t * in, in, k, counts, t * in);
        }
        backend.linear(quantizedWeight, counts, 0, tokens, y, yOff);
        for (int t = 0; t < tokens; t++) {
            int row = yOff + t * out;
            for (int i = 0; i < out; i++) {
                float b = bias == null ? 0f : bias[i];
                y[row + i] = (float) (vth[t] * y[row + i]) + b;
            }
        }
    }
}
