package io.spikert.model.generate;

/**
 * The generation controls of one request, as the OpenAI API and vLLM name them; immutable and checked on
 * construction (a value out of range throws {@link SamplingParameterException} naming the field).
 *
 * <ul>
 *   <li>{@code temperature} finite, >= 0; exactly 0 is greedy (argmax, the lowest id on ties).</li>
 *   <li>{@code topK} >= 1 keeps the tokens whose logit is at least the k-th largest (ties with it kept, as vLLM's
 *       value comparison does); 0 or -1 (vLLM's spelling) turns it off and is stored as 0.</li>
 *   <li>{@code topP} in (0, 1]: keeps the most probable tokens until their mass reaches {@code topP}; 1 is off.</li>
 *   <li>{@code minP} in [0, 1]: drops tokens whose probability is below {@code minP} times the most probable's; 0 is off.</li>
 *   <li>{@code presencePenalty}, {@code frequencyPenalty} in [-2, 2] (OpenAI's and vLLM's range): over the tokens
 *       generated so far, {@code logit -= presence * (count > 0) + frequency * count}; 0 is off.</li>
 *   <li>{@code repetitionPenalty} finite, > 0 (Hugging Face / vLLM): over the prompt's and the generated tokens, a
 *       positive logit is divided by it and a negative one multiplied; 1 is off.</li>
 *   <li>{@code seed}: the seed of the draws; the same seed and inputs give the same tokens.</li>
 * </ul>
 * {@link Sampler} documents the order in which they apply.
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float presencePenalty,
                             float frequencyPenalty, float repetitionPenalty, long seed) {

    /** Greedy, every filter and penalty off. */
    public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f, 0f, 0f, 0f, 1f, 0L);

    public SamplingParams {
        if (!Float.isFinite(temperature) || temperature < 0) {
            throw new SamplingParameterException("temperature", "must be a finite number >= 0, got " + temperature);
        }
        if (topK < -1) {
            throw new SamplingParameterException("top_k", "must be >= 1, or 0 or -1 for no limit, got " + topK);
        }
        if (topK == -1) {
            topK = 0;
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new SamplingParameterException("top_p", "must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new SamplingParameterException("min_p", "must be in [0, 1], got " + minP);
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
            throw new SamplingParameterException("presence_penalty", "must be in [-2, 2], got " + presencePenalty);
        }
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new SamplingParameterException("frequency_penalty", "must be in [-2, 2], got " + frequencyPenalty);
        }
        if (!Float.isFinite(repetitionPenalty) || !(repetitionPenalty > 0)) {
            throw new SamplingParameterException("repetition_penalty", "must be a finite number > 0, got " + repetitionPenalty);
        }
    }

    /** Draws from softmax(logits / temperature) with every filter and penalty off. */
    public static SamplingParams ofTemperature(float temperature, long seed) {
        return GREEDY.withTemperature(temperature).withSeed(seed);
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    /** Whether any penalty needs the token history. */
    public boolean penalized() {
        return presencePenalty != 0f || frequencyPenalty != 0f || repetitionPenalty != 1f;
    }

    public SamplingParams withTemperature(float v) {
        return new SamplingParams(v, topK, topP, minP, presencePenalty, frequencyPenalty, repetitionPenalty, seed);
    }

    public SamplingParams withTopK(int v) {
        return new SamplingParams(temperature, v, topP, minP, presencePenalty, frequencyPenalty, repetitionPenalty, seed);
    }

    public SamplingParams withTopP(float v) {
        return new SamplingParams(temperature, topK, v, minP, presencePenalty, frequencyPenalty, repetitionPenalty, seed);
    }

    public SamplingParams withMinP(float v) {
        return new SamplingParams(temperature, topK, topP, v, presencePenalty, frequencyPenalty, repetitionPenalty, seed);
    }

    public SamplingParams withPresencePenalty(float v) {
        return new SamplingParams(temperature, topK, topP, minP, v, frequencyPenalty, repetitionPenalty, seed);
    }

    public SamplingParams withFrequencyPenalty(float v) {
        return new SamplingParams(temperature, topK, topP, minP, presencePenalty, v, repetitionPenalty, seed);
    }

    public SamplingParams withRepetitionPenalty(float v) {
        return new SamplingParams(temperature, topK, topP, minP, presencePenalty, frequencyPenalty, v, seed);
    }

    public SamplingParams withSeed(long v) {
        return new SamplingParams(temperature, topK, topP, minP, presencePenalty, frequencyPenalty, repetitionPenalty, v);
    }
}
