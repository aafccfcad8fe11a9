package io.spikert.spark.rows;

import io.spikert.model.generate.SamplingParams;
import io.spikert.model.generate.StopStrings;

import java.util.List;
import java.util.Objects;

/**
 * The generation controls of {@code spikert generate} ({@code --max-tokens}, the sampling flags, {@code --stop}), and
 * how many rows decode together ({@code batchSize}: the rows of one {@link io.spikert.model.BatchDecoder} step).
 */
public record GenerationSettings(int maxNewTokens, SamplingParams sampling, List<String> stops, int batchSize) {
    public GenerationSettings {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        Objects.requireNonNull(sampling, "sampling");
        stops = List.copyOf(stops);
        new StopStrings(stops); // refuses an empty stop string here rather than on every executor
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
    }
}
