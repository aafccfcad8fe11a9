package io.spikert.model.layers;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeCounts;
import io.spikert.model.NumericalFaultException;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.SpikeKernel;

/**
 * W8ASpike's QuantLinear (MODEL.md section 4): each token's input is spiked,
 * {@code vth = clamp(mean|x| / k, 1e-5, 1e4)}, {@code s = rint(x / vth)}, then
 * {@code y = vth * (W' s) + b} with {@code W' = rint(W / scale) * scale} per group of 128 inputs.
 *
 * <p>Two forms of the same math: the integer form (INT8 codes with exact outlier corrections, integer
 * sums inside each group, one scale multiply per group; what the runtime runs) and the float
 * fake-quantisation form (W' held as F32, the counts as exact small floats), its test twin.
 */
public final class SpikingLinear implements Projection {
    private final String name;
    private final Int8Weights weights;
    private final Tensor fakeQuantWeight;
    private final float[] bias;
    private final float k;
    private final SpikeObserver observer;

    private SpikingLinear(String name, Int8Weights weights, Tensor fakeQuantWeight, float[] bias, float k, SpikeObserver observer) {
        this.name = name;
        this.weights = weights;
        this.fakeQuantWeight = fakeQuantWeight;
        this.bias = bias;
        this.k = k;
        this.observer = observer;
    }

    /** The integer form. */
    public static SpikingLinear integer(String name, Int8Weights weights, float[] bias, float k, SpikeObserver observer) {
        return new SpikingLinear(name, weights, null, bias, k, observer);
    }

    /** The float fake-quantisation form; {@code quantizedWeight} is W' as F32 [out, in]. */
    public static SpikingLinear fakeQuant(String name, Tensor quantizedWeight, float[] bias, float k, SpikeObserver observer) {
        return new SpikingLinear(name, null, quantizedWeight, bias, k, observer);
    }

    public String name() {
        return name;
    }

    public boolean isInteger() {
        return weights != null;
    }

    /** The integer form's codes and scales (shared, not copied), so a device can take the same codes; null in the float form. */
    public Int8Weights weights() {
        return weights;
    }

    @Override
    public int in() {
        return weights != null ? weights.cols() : (int) fakeQuantWeight.dim(1);
    }

    @Override
    public int out() {
        return weights != null ? weights.rows() : (int) fakeQuantWeight.dim(0);
    }

    /**
     * The integer kernels sum int8 codes times counts in int32, so a count beyond
     * {@link Int8Weights#MAX_ABS_COUNT} cannot be computed: it comes from an input far out of any trained
     * range (or infinite, whose count saturates at Integer.MAX_VALUE), which non-finite or absurd weights
     * produce. Refused here, naming this projection, instead of failing inside a kernel.
     */
    private void requireCountsInRange(int[] counts, int in) {
        int max = Int8Weights.MAX_ABS_COUNT;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > max || counts[i] < -max) {
                throw new NumericalFaultException(name + ": spike count " + counts[i] + " of input channel " + i % in
                        + " (token " + i / in + " of the batch) exceeds +-" + max
                        + ": its input is non-finite or far out of range; the checkpoint's weights are likely corrupt"
                        + " (load with weight checking to find non-finite ones)");
            }
        }
    }

    @Override
    public void forward(Backend backend, float[] x, int xOff, int tokens, float[] y, int yOff) {
        int in = in();
        int out = out();
        int[] counts = new int[tokens * in];
        float[] vth = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            vth[t] = SpikeCounts.encode(x, xOff + t * in, in, k, counts, t * in);
        }
        if (weights != null) {
            requireCountsInRange(counts, in);
        }
        if (weights != null && tokens == 1) {
            SpikeKernel used = backend.spikeLinear(weights, counts, 0, vth[0], y, yOff);
            observer.onSpikes(name, counts, 0, in, vth[0], used);
        } else if (weights != null) {
            // one batch: the backend streams the weights once per tile of tokens, not once per token
            SpikeKernel[] used = backend.spikeLinearBatch(weights, counts, 0, vth, tokens, y, yOff);
            for (int t = 0; t < tokens; t++) {
                observer.onSpikes(name, counts, t * in, in, vth[t], used[t]);
            }
        } else {
            float[] asFloats = new float[counts.length];
            for (int i = 0; i < counts.length; i++) {
                asFloats[i] = counts[i];
            }
            backend.linear(fakeQuantWeight, asFloats, 0, tokens, y, yOff);
            for (int t = 0; t < tokens; t++) {
                observer.onSpikes(name, counts, t * in, in, vth[t], null);
                int row = yOff + t * out;
                for (int i = 0; i < out; i++) {
                    y[row + i] *= vth[t];
                }
            }
        }
        if (bias != null) {
            Linear.addBias(y, yOff, tokens, bias);
        }
    }
}
