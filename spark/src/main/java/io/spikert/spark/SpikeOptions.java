package io.spikert.spark;

import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.spark.executor.ModelSpec;

import java.io.Serializable;
import java.util.Objects;

/**
 * How {@link SpikeRT#spikes} runs: a W8ASpike model (loaded with a spike observer, whatever {@code model} says), the
 * spike coding the statistics count ({@code spikert spikes --coding}, default bitwise), and the longest row.
 */
public record SpikeOptions(ModelSpec model, SpikeCoding coding, long maxTokens) implements Serializable {
    public SpikeOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(coding, "coding");
        model = model.withObserveSpikes(true);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
    }

    public static SpikeOptions of(String path) {
        return new SpikeOptions(ModelSpec.of(path), SpikeCoding.BITWISE_BIDIRECTIONAL, Long.MAX_VALUE);
    }

    public SpikeOptions withModel(ModelSpec spec) {
        return new SpikeOptions(spec, coding, maxTokens);
    }

    public SpikeOptions withCoding(SpikeCoding c) {
        return new SpikeOptions(model, c, maxTokens);
    }

    public SpikeOptions withMaxTokens(long n) {
        return new SpikeOptions(model, coding, n);
    }
}
