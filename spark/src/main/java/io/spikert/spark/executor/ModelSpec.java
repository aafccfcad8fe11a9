package io.spikert.spark.executor;

import io.spikert.model.LoadOptions;

import java.io.Serializable;
import java.util.Objects;

/**
 * Which model an executor loads, and how: the key of {@link ExecutorModels}, so every task of a JVM that asks for the
 * same spec shares one model. Travels from the driver to the executors inside the partition functions.
 *
 * @param path           the model folder (config.json, weights, tokenizer), at the same path on every executor
 * @param computeThreads threads of the executor model's compute pool; 0 takes them from Spark's configuration
 *                       ({@link ComputeThreads}), which happens on the executor before the spec is a key
 * @param spikeK         W8ASpike's threshold factor k ({@link LoadOptions#spikeK()}); ignored by base models
 * @param contextLimit   Qwen2 only: most positions a session holds, 0 for the config's ({@link LoadOptions#contextLimit()})
 * @param observeSpikes  load with a spike observer, which per-row spike statistics need (W8ASpike); a model loaded
 *                       without one computes the same numbers without copying the counts out
 */
public record ModelSpec(String path, int computeThreads, float spikeK, int contextLimit, boolean observeSpikes)
        implements Serializable {

    public ModelSpec {
        Objects.requireNonNull(path, "model path");
        if (path.isBlank()) {
            throw new IllegalArgumentException("model path is empty");
        }
        if (computeThreads < 0) {
            throw new IllegalArgumentException("computeThreads must be >= 1, or 0 for Spark's task cpus, got " + computeThreads);
        }
        new LoadOptions(spikeK).withContextLimit(contextLimit); // the loader's own checks, on the driver
    }

    /** The model at {@code path} with the loader's defaults and the compute threads Spark's configuration gives. */
    public static ModelSpec of(String path) {
        return new ModelSpec(path, 0, LoadOptions.DEFAULT_SPIKE_K, 0, false);
    }

    public ModelSpec withComputeThreads(int threads) {
        return new ModelSpec(path, threads, spikeK, contextLimit, observeSpikes);
    }

    public ModelSpec withSpikeK(float k) {
        return new ModelSpec(path, computeThreads, k, contextLimit, observeSpikes);
    }

    public ModelSpec withContextLimit(int tokens) {
        return new ModelSpec(path, computeThreads, spikeK, tokens, observeSpikes);
    }

    public ModelSpec withObserveSpikes(boolean observe) {
        return new ModelSpec(path, computeThreads, spikeK, contextLimit, observe);
    }

    LoadOptions loadOptions() {
        return new LoadOptions(spikeK).withContextLimit(contextLimit);
    }
}
