package io.spikert.runtime.backend;

/**
 * The operators of the model, one interface for every place it runs: the CPU's Vector API kernels
 * ({@link CpuBackend}), a GPU's kernels ({@link GpuBackend}, CUDA or MACA, or the fake GPU in tests).
 * The model is written once against it and never learns where it runs.
 *
 * <p>Operands are handles the backend owns ({@link Memory}): weights bound once, activations F32
 * row-major [rows, features], spike counts, recurrent states. Every operator works on {@code rows} rows
 * at once, and the rows need not belong to one sequence: products, norms and element-wise operators see
 * only rows, so several sequences' rows go through one weight pass; only {@link #gla} and {@link #swa}
 * work on one sequence's rows, with its state. Only token ids go in ({@link #upload}) and logits (or spike
 * counts for an observer) come out ({@link #download}); everything between stays on the backend.
 *
 * <p>A GPU backend is used from the thread that opened it; the CPU backend from any threads, each
 * session on one at a time.
 */
public interface Backend extends AutoCloseable {

    String name();

    /** Prefill tokens per chunk a session takes by default: a launch costs more than a loop. */
    int defaultChunk();

    /**
     * Whether {@link Memory} is the device's: bound weights are copies (so the host copies a loader made can
     * be freed once the model is bound), and memory is freed only by {@link Memory#close} (so a model closes
     * the memory of its open sessions when it closes). False on the CPU, whose memory is the heap's.
     */
    boolean deviceMemory();

    /** Whether {@link Memory#fakeQuantized} weights can be multiplied (the CPU's float twin of W8ASpike). */
    boolean runsFloatSpikeForm();

    /** Whether {@link Memory#quantized} weights (q8, q4) can be bound and multiplied: the CPU's, not a GPU's. */
    default boolean multipliesQuantizedWeights() {
        return false;
    }

    /**
     * Whether {@link Memory#kvCache} holds keys and values at {@code precision} here: F32 at least (the default);
     * the CPU and GPU backends hold BF16 too.
     */
    default boolean holdsKvCache(KvPrecision precision) {
        return precision == KvPrecision.F32;
    }

    /** Memory for one owner, named in errors ("weights of ...", "a session"). */
    Memory newMemory(String owner);

    // ---- moving data in and out ----

    /** dst[0 .. count) = ids[from .. from + count). */
    void upload(int[] ids, int from, int count, Ints dst);

    /** dst[0 .. count) = src[from .. from + count): activations from the host (tests, tools; the model uploads only ids). */
    void upload(float[] src, int from, int count, Floats dst);

    /** dst[dstOff .. dstOff + count) = src[0 .. count); waits for the operators that write src. */
    void download(Floats src, int count, float[] dst, int dstOff);

    /** The counts [rows][width] and thresholds [rows] of {@code rows} tokens (for a spike observer). */
    void download(Spikes src, int rows, int width, int[] counts, float[] vth);

    // ---- row-wise and element-wise ----

    /** out[t] = table[ids[t]] widened to F32, for {@code count} ids. */
    void embed(Matrix table, Ints ids, int count, Floats out);

    /** out[r] = x[r] / rms(x[r]) * w over {@code n} features for {@code rows} rows (MODEL.md section 3); out != x. */
    void rmsnorm(Floats x, WeightVector w, Floats out, int n, int rows, float eps);

    /** x += y over {@code n} floats. */
    void add(Floats x, Floats y, int n);

    /** out = silu(gate) * up over {@code n} floats; out may be gate. */
    void siluMul(Floats gate, Floats up, Floats out, int n);

    /**
     * y[r] = act(y[r] + bias) for {@code rows} rows of {@code n} ({@code bias} null for none); LOG_SIGMOID
     * divides its result by {@code divisor}.
     */
    void biasAct(Floats y, WeightVector bias, int n, int rows, Activation act, float divisor);

    // ---- products ----

    /** y[r] = W x[r] for {@code rows} rows, W [out, in]. */
    void linear(Matrix w, Floats x, int rows, Floats y);

    /** y[r] = W' x[r] with W' INT8 codes times scales and a float, un-spiked input (W8ASpike's exact down_proj). */
    void int8Linear(Int8Matrix w, Floats x, int rows, Floats y);

    /**
     * y[r] = W x[r] for {@code rows} rows with W the dequantised values of weights quantised at load (q8, q4); where
     * {@link #multipliesQuantizedWeights()}. Over several tokens at the backend's activation precision, as {@link #linear}.
     */
    default void quantLinear(QuantMatrix w, Floats x, int rows, Floats y) {
        throw new UnsupportedOperationException(w.name() + ": this backend multiplies no " + w.format().label() + " weights");
    }

    /**
     * W8ASpike's input spiking of {@code rows} tokens of {@code n} features (MODEL.md section 4):
     * {@code vth[r] = clamp(mean|x[r]| / k, 1e-5, 1e4)}, {@code counts[r][i] = rint(x[r][i] / vth[r])}.
     */
    void spikeEncode(Floats x, int n, float k, int rows, Spikes out);

    /**
     * y[r] = vth[r] * (W' counts[r]) for {@code rows} tokens of {@code spikes}, W' the group-scaled INT8
     * codes. Returns the kernel each row's product used (the CPU picks per row from the counts' sparsity);
     * null entries for the float fake-quantisation form. No bias.
     */
    SpikeKernel[] spikeLinear(Int8Matrix w, Spikes spikes, int rows, Floats y);

    /** In place on {@code rows} rows of {@code n}: x = vth * rint(x / vth), vth as in {@link #spikeEncode} (SWA's query). */
    void spikeQuantize(Floats x, int n, float k, int rows);

    /** In place on {@code rows} rows of {@code n}: symmetric int8, scale = clamp(max|x| / 127, 1e-5, 1e4) (SWA's keys and values). */
    void int8Quantize(Floats x, int n, int rows);

    // ---- position and attention (one sequence's rows) ----

    /** cos and sin tables [tokens][headDim / 2] for positions pos0 .. pos0 + tokens - 1 (MODEL.md section 3). */
    void ropeAngles(Floats cos, Floats sin, long pos0, int tokens, int headDim, double theta);

    /** Rotate-half RoPE in place on {@code heads} heads of each of {@code tokens} rows {@code ld} floats apart. */
    void rope(Floats x, Floats cos, Floats sin, int tokens, int heads, int headDim, int ld);

    /**
     * GLA over {@code tokens} consecutive tokens of one sequence, advancing {@code state} (MODEL.md section 3):
     * q and out rows hold kvHeads x group heads, k, v and the log decay g rows kvHeads heads; one token
     * takes the recurrent step, several the chunked form.
     */
    void gla(GlaState state, Floats q, Floats k, Floats v, Floats g, Floats out, int tokens, int group, float scale);

    /**
     * Sliding-window attention of {@code tokens} consecutive tokens of one sequence at positions pos0 ..:
     * their keys and values enter {@code cache}, and the query at p attends positions max(0, p - W) .. p
     * with the given scale, {@code group} query heads per kv head. Row layout as in {@link #gla}.
     */
    void swa(KvCache cache, Floats q, Floats k, Floats v, Floats out, int tokens, long pos0, int group, float scale);

    // ---- recurrent state to and from the host (session snapshots) ----

    /**
     * A new host copy of what {@code state} holds after {@code position} tokens, in the layout of
     * {@link StateImage}: a copy of the state only, no operator runs (device-to-host copies on a GPU, which wait
     * for the operators that write the state).
     */
    float[] saveState(RecurrentState state, long position);

    /**
     * Sets {@code state} to {@code image}, the {@link #saveState} image of a state of the same shape after
     * {@code position} tokens (taken on this or any backend), so the tokens from {@code position} on run as they
     * would have in the saved state; what {@code state} held before is dropped. A copy only; {@code image} is not
     * kept.
     *
     * @throws IllegalArgumentException when the image's length is not that of such a state's image
     */
    void loadState(float[] image, long position, RecurrentState state);

    /**
     * Weight bytes the products have streamed so far: dense products count their whole matrix, the CPU's
     * event-driven spike products only the columns of non-zero counts.
     */
    long weightBytesRead();

    @Override
    void close();
}
