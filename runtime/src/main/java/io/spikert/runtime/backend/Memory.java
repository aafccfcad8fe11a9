package io.spikert.runtime.backend;

import io.spikert.kernels.QuantWeights;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.Tensor;

/**
 * Memory with one owner and one lifetime on a backend (a model's weights, a session's activations and
 * state): weights are bound into it once, activations and recurrent state allocated in it, and
 * {@link #close()} frees all of it. On the CPU weights stay where they are (the mapped checkpoint, the
 * loader's INT8 codes) and activations are heap arrays; on a GPU everything is device memory. Not
 * thread-safe: one owner binds and allocates.
 */
public interface Memory extends AutoCloseable {

    /** A 2-D BF16 or F32 weight, refused naming the tensor when the backend cannot multiply by it. */
    Matrix matrix(Tensor weight);

    /** W8ASpike INT8 codes with their scales and exact outliers. */
    Int8Matrix int8(String name, Int8Weights weights);

    /**
     * Weights quantised at load (q8, q4); refused naming {@code name} where the backend does not
     * {@link Backend#multipliesQuantizedWeights() multiply them}.
     */
    default QuantMatrix quantized(String name, QuantWeights weights) {
        throw new UnsupportedOperationException(name + ": this backend multiplies no " + weights.format().label()
                + " weights (they are quantised at load for the CPU only)");
    }

    /**
     * The float fake-quantisation twin of W8ASpike's integer product: {@code quantized} is code x scale as
     * F32 [out, in]. Only where {@link Backend#runsFloatSpikeForm()}.
     */
    Int8Matrix fakeQuantized(String name, Tensor quantized);

    /** A bias or norm weight. */
    WeightVector vector(String name, float[] values);

    /** Uninitialised F32 activations. */
    Floats floats(long count, String label);

    Ints ints(int count, String label);

    /** Spike counts and thresholds for {@code rows} tokens of up to {@code width} features. */
    Spikes spikes(int rows, int width, String label);

    /** A zero GLA state. */
    GlaState glaState(int kvHeads, int headDim);

    /**
     * An empty SWA cache attending {@code window} keys (W + 1) for {@code queryHeads} query heads over
     * {@code kvHeads}, for a session prefilling at most {@code chunk} tokens at a time, holding keys and values
     * at {@code precision} (one the backend {@link Backend#holdsKvCache holds}; others are refused).
     */
    KvCache kvCache(int kvHeads, int queryHeads, int headDim, int window, int chunk, KvPrecision precision);

    /** An F32 {@link #kvCache(int, int, int, int, int, KvPrecision)}. */
    default KvCache kvCache(int kvHeads, int queryHeads, int headDim, int window, int chunk) {
        return kvCache(kvHeads, queryHeads, headDim, window, chunk, KvPrecision.F32);
    }

    /** Bytes held now: device memory on a GPU, the activation and state arrays on the CPU. */
    long bytes();

    /** Frees everything this memory holds; its handles must not be used afterwards. Idempotent. */
    @Override
    void close();

    /**
     * Closes this memory because {@code failure} cut its owner's construction short, and returns the failure
     * (with any failure of the close suppressed in it) for the caller to throw.
     */
    default <E extends Exception> E closeAfter(E failure) {
        try {
            close();
        } catch (RuntimeException suppressed) {
            failure.addSuppressed(suppressed);
        }
        return failure;
    }
}
