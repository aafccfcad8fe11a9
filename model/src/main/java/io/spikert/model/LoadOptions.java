package io.spikert.model;

import io.spikert.runtime.NumericalFaultException;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.backend.KvPrecision;
import io.spikert.model.layers.SpikeObserver;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a model is loaded.
 *
 * @param spikeK        threshold factor k of W8ASpike's adaptive spiking, {@code vth = mean|x| / k}
 *                      (MODEL.md uses 3; the report's Table 11 explores 2 to 4); ignored by base models
 * @param integerSpikes run W8ASpike projections as integers (INT8 codes, integer group sums); false
 *                      selects the float fake-quantisation twin, which holds the weights as F32
 * @param spikeObserver sees every spiked projection input (statistics, verbose kernel reports)
 * @param progress      told what slow load step runs now (quantising a W8ASpike fp32 checkpoint takes minutes at 7B)
 * @param exactNarrowing keep W8ASpike's raw fp32 weights (down_proj, lm_head) in a narrower form when every
 *                      value fits it exactly: INT8 codes times the stored scales, or BF16 values. Same values,
 *                      fewer bytes per token; false keeps them as the zero-copy F32 mapping
 * @param checkWeights  scan every floating-point tensor for NaN and infinities before binding, naming the first
 *                      (one pass over the whole checkpoint: seconds for the 7B). Without it, only the tensors the
 *                      load reads anyway are checked (norms, biases, scales, quantised and widened weights);
 *                      non-finite values elsewhere surface as a {@link NumericalFaultException} when generating
 * @param int8BlockRows  most rows of one block of the CPU's INT8 weight layout ({@link io.spikert.runtime.Tuning#maxBlockRows})
 * @param contextLimit  Qwen2 only: most positions a session holds, in place of the config's
 *                      {@code max_position_embeddings} ({@link ModelConfig#withContextLimit}); 0 keeps the config's
 * @param kvCache       how softmax-attention caches hold keys and values (Qwen2's layers, SpikingBrain's SWA layers):
 *                      F32 (the default, exact) or BF16 (half the memory; the backend must hold it, and W8ASpike,
 *                      whose cache holds int8-quantised values exactly, refuses it)
 * @param quantize      dense models on the CPU: quantise the projection weights at load ({@link WeightQuantization});
 *                      NONE (the default) multiplies them as stored
 */
public record LoadOptions(float spikeK, boolean integerSpikes, SpikeObserver spikeObserver, Consumer<String> progress,
                          boolean exactNarrowing, boolean checkWeights, int int8BlockRows, int contextLimit,
                          KvPrecision kvCache, WeightQuantization quantize) {
    public static final float DEFAULT_SPIKE_K = 3f;

    public LoadOptions {
        if (!(spikeK > 0) || Float.isInfinite(spikeK)) {
            throw new IllegalArgumentException("spike threshold factor k must be a positive number, got " + spikeK);
        }
        Objects.requireNonNull(spikeObserver, "spikeObserver (use SpikeObserver.NONE)");
        Objects.requireNonNull(progress, "progress");
        Tuning.checkMaxBlockRows(int8BlockRows, "int8BlockRows");
        if (contextLimit < 0) {
            throw new IllegalArgumentException("contextLimit must be positive (or 0 for the config's), got " + contextLimit);
        }
        Objects.requireNonNull(kvCache, "kvCache");
        Objects.requireNonNull(quantize, "quantize");
    }

    /** As the canonical constructor, with the weights as stored. */
    public LoadOptions(float spikeK, boolean integerSpikes, SpikeObserver spikeObserver, Consumer<String> progress,
                       boolean exactNarrowing, boolean checkWeights, int int8BlockRows, int contextLimit,
                       KvPrecision kvCache) {
        this(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, checkWeights, int8BlockRows, contextLimit,
                kvCache, WeightQuantization.NONE);
    }

    /** As the canonical constructor, with an F32 key/value cache. */
    public LoadOptions(float spikeK, boolean integerSpikes, SpikeObserver spikeObserver, Consumer<String> progress,
                       boolean exactNarrowing, boolean checkWeights, int int8BlockRows, int contextLimit) {
        this(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, checkWeights, int8BlockRows, contextLimit,
                KvPrecision.F32);
    }

    /** As the canonical constructor, with the config's context limit. */
    public LoadOptions(float spikeK, boolean integerSpikes, SpikeObserver spikeObserver, Consumer<String> progress,
                       boolean exactNarrowing, boolean checkWeights, int int8BlockRows) {
        this(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, checkWeights, int8BlockRows, 0);
    }

    /** As the canonical constructor, with the default INT8 block rows. */
    public LoadOptions(float spikeK, boolean integerSpikes, SpikeObserver spikeObserver, Consumer<String> progress,
                       boolean exactNarrowing, boolean checkWeights) {
        this(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, checkWeights, Tuning.defaults().maxBlockRows());
    }

    /** As the canonical constructor, without the full weight check. */
    public LoadOptions(float spikeK, boolean integerSpikes, SpikeObserver spikeObserver, Consumer<String> progress,
                       boolean exactNarrowing) {
        this(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, false);
    }

    public LoadOptions(float spikeK) {
        this(spikeK, true, SpikeObserver.NONE, step -> { }, true, false);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(DEFAULT_SPIKE_K);
    }

    public LoadOptions withIntegerSpikes(boolean integer) {
        return new LoadOptions(spikeK, integer, spikeObserver, progress, exactNarrowing, checkWeights, int8BlockRows, contextLimit, kvCache, quantize);
    }

    public LoadOptions withSpikeObserver(SpikeObserver observer) {
        return new LoadOptions(spikeK, integerSpikes, observer, progress, exactNarrowing, checkWeights, int8BlockRows, contextLimit, kvCache, quantize);
    }

    public LoadOptions withProgress(Consumer<String> listener) {
        return new LoadOptions(spikeK, integerSpikes, spikeObserver, listener, exactNarrowing, checkWeights, int8BlockRows, contextLimit, kvCache, quantize);
    }

    public LoadOptions withExactNarrowing(boolean narrow) {
        return new LoadOptions(spikeK, integerSpikes, spikeObserver, progress, narrow, checkWeights, int8BlockRows, contextLimit, kvCache, quantize);
    }

    /** With or without the NaN/infinity scan of every weight at load (the CLI's --check-weights). */
    public LoadOptions withCheckWeights(boolean check) {
        return new LoadOptions(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, check, int8BlockRows, contextLimit, kvCache, quantize);
    }

    /** With the CPU's INT8 layout in blocks of at most {@code rows} rows ({@link io.spikert.runtime.Tuning#maxBlockRows}). */
    public LoadOptions withInt8BlockRows(int rows) {
        return new LoadOptions(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, checkWeights, rows, contextLimit, kvCache, quantize);
    }

    /** Qwen2 only: sessions hold up to {@code tokens} positions ({@link ModelConfig#withContextLimit}); 0: the config's. */
    public LoadOptions withContextLimit(int tokens) {
        return new LoadOptions(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, checkWeights, int8BlockRows, tokens, kvCache, quantize);
    }

    /** With keys and values cached at {@code precision} ({@link #kvCache}). */
    public LoadOptions withKvCache(KvPrecision precision) {
        return new LoadOptions(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, checkWeights, int8BlockRows,
                contextLimit, precision, quantize);
    }

    /** With the projection weights quantised at load ({@link #quantize}). */
    public LoadOptions withQuantize(WeightQuantization quantization) {
        return new LoadOptions(spikeK, integerSpikes, spikeObserver, progress, exactNarrowing, checkWeights, int8BlockRows,
                contextLimit, kvCache, quantization);
    }
}
