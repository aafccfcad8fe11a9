package io.spikert.spark;

import io.spikert.spark.executor.ModelSpec;

import java.io.Serializable;
import java.util.Objects;

/**
 * How {@link SpikeRT#score} runs.
 *
 * @param model     the model every executor loads
 * @param maxTokens rows with more tokens get an error instead of a score (besides a Qwen2 model's context limit)
 */
public record ScoreOptions(ModelSpec model, long maxTokens) implements Serializable {
    public ScoreOptions {
        Objects.requireNonNull(model, "model");
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
    }

    /** The model at {@code path}, rows of any length up to its context limit. */
    public static ScoreOptions of(String path) {
        return new ScoreOptions(ModelSpec.of(path), Long.MAX_VALUE);
    }

    public ScoreOptions withModel(ModelSpec spec) {
        return new ScoreOptions(spec, maxTokens);
    }

    public ScoreOptions withMaxTokens(long tokens) {
        return new ScoreOptions(model, tokens);
    }
}
