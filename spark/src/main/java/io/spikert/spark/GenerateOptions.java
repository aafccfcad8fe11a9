package io.spikert.spark;

import io.spikert.spark.executor.ModelSpec;
import io.spikert.spark.rows.GenerationSettings;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * How {@link SpikeRT#generate} runs: {@code spikert generate}'s controls, plus the batch.
 *
 * @param maxNewTokens    most tokens generated per row ({@code --max-tokens}, default 128)
 * @param sampling        the sampling flags (default greedy), with a fixed seed
 * @param stops           stop strings ({@code --stop}); need the tokenizer
 * @param batchSize       rows of a partition that decode together, one pass over the weights per step for all (default 8)
 * @param maxPromptTokens rows whose prompt has more tokens get an error (besides a Qwen2 model's context limit)
 */
public record GenerateOptions(ModelSpec model, int maxNewTokens, Sampling sampling, List<String> stops, int batchSize,
                              long maxPromptTokens) implements Serializable {
    public GenerateOptions {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sampling, "sampling");
        stops = List.copyOf(stops);
        if (maxPromptTokens < 1) {
            throw new IllegalArgumentException("maxPromptTokens must be >= 1, got " + maxPromptTokens);
        }
        new GenerationSettings(maxNewTokens, sampling.params(), stops, batchSize); // its checks, on the driver
    }

    public static GenerateOptions of(String path) {
        return new GenerateOptions(ModelSpec.of(path), 128, Sampling.GREEDY, List.of(), 8, Long.MAX_VALUE);
    }

    public GenerateOptions withModel(ModelSpec spec) {
        return new GenerateOptions(spec, maxNewTokens, sampling, stops, batchSize, maxPromptTokens);
    }

    public GenerateOptions withMaxNewTokens(int n) {
        return new GenerateOptions(model, n, sampling, stops, batchSize, maxPromptTokens);
    }

    public GenerateOptions withSampling(Sampling s) {
        return new GenerateOptions(model, maxNewTokens, s, stops, batchSize, maxPromptTokens);
    }

    public GenerateOptions withStops(List<String> s) {
        return new GenerateOptions(model, maxNewTokens, sampling, s, batchSize, maxPromptTokens);
    }

    public GenerateOptions withBatchSize(int n) {
        return new GenerateOptions(model, maxNewTokens, sampling, stops, n, maxPromptTokens);
    }

    public GenerateOptions withMaxPromptTokens(long n) {
        return new GenerateOptions(model, maxNewTokens, sampling, stops, batchSize, n);
    }

    public GenerationSettings settings() {
        return new GenerationSettings(maxNewTokens, sampling.params(), stops, batchSize);
    }
}
