package io.spikert.server;

import io.spikert.model.generate.SamplingParams;

import java.util.List;

/**
 * One request to generate, as the engine runs it: the prompt as token ids (the chat template already applied),
 * how many tokens at most, how to sample, where to stop, and what to report.
 *
 * @param promptTokens  the prompt's token ids
 * @param maxTokens     most tokens to generate (the stop token counts)
 * @param sampling      sampling controls (with the seed: one the server drew when the request gave none)
 * @param stop          strings that end the output where they first appear (not included)
 * @param logprobs      report the chosen tokens' log-probabilities
 * @param topLogprobs   with logprobs, how many most likely alternatives per token (0 to 20)
 * @param ignoreEos     generate past the stop tokens, to max_tokens (vLLM's extension, for benchmarks)
 */
public record GenerationRequest(int[] promptTokens, int maxTokens, SamplingParams sampling, List<String> stop,
                                boolean logprobs, int topLogprobs, boolean ignoreEos) {
    public GenerationRequest {
        if (promptTokens.length == 0) {
            throw new IllegalArgumentException("an empty prompt");
        }
        stop = List.copyOf(stop);
    }
}
