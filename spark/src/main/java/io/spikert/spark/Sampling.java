package io.spikert.spark;

import io.spikert.model.generate.SamplingParams;

import java.io.Serializable;

/**
 * {@link SamplingParams} in a form that travels to the executors (the library's record is not serializable); the
 * same fields and checks. The seed is fixed (default 0), never random, so a retried task draws the same tokens.
 */
public record Sampling(float temperature, int topK, float topP, float minP, float presencePenalty, float frequencyPenalty,
                       float repetitionPenalty, long seed) implements Serializable {

    /** Greedy, every filter and penalty off (the CLI's defaults). */
    public static final Sampling GREEDY = of(SamplingParams.GREEDY);

    public Sampling {
        new SamplingParams(temperature, topK, topP, minP, presencePenalty, frequencyPenalty, repetitionPenalty, seed);
    }

    public static Sampling of(SamplingParams p) {
        return new Sampling(p.temperature(), p.topK(), p.topP(), p.minP(), p.presencePenalty(), p.frequencyPenalty(),
                p.repetitionPenalty(), p.seed());
    }

    public SamplingParams params() {
        return new SamplingParams(temperature, topK, topP, minP, presencePenalty, frequencyPenalty, repetitionPenalty, seed);
    }
}
