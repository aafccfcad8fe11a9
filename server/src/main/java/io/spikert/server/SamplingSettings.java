package io.spikert.server;

/**
 * A request's sampling controls, checked against their ranges when parsed. Temperature 0 is greedy. top_k 0
 * and top_p 1, min_p 0, the penalties 0 (presence, frequency) and 1 (repetition) are off. {@code seed} null
 * means a seed drawn by the server.
 */
public record SamplingSettings(double temperature, double topP, int topK, double minP, double presencePenalty,
                               double frequencyPenalty, double repetitionPenalty, Long seed) {
    public static final SamplingSettings GREEDY = new SamplingSettings(0, 1, 0, 0, 0, 0, 1, 0L);
}
