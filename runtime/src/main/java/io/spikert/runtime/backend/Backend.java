package io.spikert.runtime.backend;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.Tensor;

/**
 * Where the model's operators run. The model describes the math; a backend decides how the
 * heavy products are executed (CPU kernels now, GPU kernels with the GPU issue).
 */
public interface Backend extends AutoCloseable {

    String name();

    /** The threads this backend computes on; also used by the model for per-head parallel work. */
    ComputePool pool();

    /**
     * Y[t] = W X[t] for each of {@code tokens} rows: X is [tokens, in] at {@code x[xOff..]},
     * Y is [tokens, out] at {@code y[yOff..]}, W is [out, in] (nn.Linear layout). No bias.
     */
    void linear(Tensor w, float[] x, int xOff, int tokens, float[] y, int yOff);

    /**
     * y = vth * (W' s) for one token's integer spike counts s = counts[cOff .. cOff + w.cols()), where
     * W' are the group-scaled INT8 codes of {@code w}. The backend picks the kernel from the counts'
     * sparsity and says which it used. No bias.
     */
    SpikeKernel spikeLinear(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff);

    /**
     * y = W' x for one token's float input x = x[xOff .. xOff + w.cols()), W' the group-scaled INT8 codes
     * of {@code w}: a raw weight that is exactly code times scale, multiplied without spiking its input.
     */
    void int8Linear(Int8Weights w, float[] x, int xOff, float[] y, int yOff);

    /**
     * {@link #spikeLinear} for {@code tokens} tokens at once (prefill): token t's counts are
     * counts[cOff + t * w.cols() .. + w.cols()), its threshold vth[t], its output y[yOff + t * w.rows() .. + w.rows()).
     * Returns the kernel each token's product used. This default runs the tokens one by one; a backend
     * with a batched kernel overrides it to stream the weights once per tile of tokens. With a batched
     * kernel a token's entry is {@link SpikeKernel#SPARSE_EVENTS} when its tile skipped the channels
     * silent in every token of the tile, {@link SpikeKernel#DENSE_INT8} when the tile read every weight.
     */
    default SpikeKernel[] spikeLinearBatch(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff) {
        checkBatch("spikeLinearBatch", tokens, vth.length);
        SpikeKernel[] used = new SpikeKernel[tokens];
        for (int t = 0; t < tokens; t++) {
            used[t] = spikeLinear(w, counts, cOff + t * w.cols(), vth[t], y, yOff + t * w.rows());
        }
        return used;
    }

    /**
     * {@link #int8Linear} for {@code tokens} tokens at once: x is [tokens, w.cols()] from xOff, y is
     * [tokens, w.rows()] from yOff. This default runs the tokens one by one.
     */
    default void int8LinearBatch(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        checkBatch("int8LinearBatch", tokens, tokens);
        for (int t = 0; t < tokens; t++) {
            int8Linear(w, x, xOff + t * w.cols(), y, yOff + t * w.rows());
        }
    }

    /** Checks a batch's token count (at least 1) against the thresholds given (at least one per token). */
    static void checkBatch(String who, int tokens, int thresholds) {
        if (tokens < 1) {
            throw new IllegalArgumentException(who + ": tokens must be at least 1, got " + tokens);
        }
        if (thresholds < tokens) {
            throw new IllegalArgumentException(who + ": " + thresholds + " thresholds vth for " + tokens + " tokens");
        }
    }

    /**
     * Weight bytes the products have streamed so far (all threads, since the backend was made): dense
     * products count their whole matrix, event-driven spike products only the columns of non-zero counts.
     * Benchmarks divide its growth over a decode step by the step to get the bytes one token reads.
     */
    long weightBytesRead();

    /** Checks that this backend can multiply by {@code w}, naming the tensor when it cannot. */
    void checkWeight(Tensor w);

    @Override
    void close();
}
