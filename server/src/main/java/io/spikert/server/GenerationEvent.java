package io.spikert.server;

import java.util.List;

/** What a running request hands its HTTP connection, in order: text pieces, then one end. */
public sealed interface GenerationEvent {

    /** One more piece of output: {@code text} (may be empty while a token's UTF-8 or a possible stop string is incomplete). */
    record Delta(String text, TokenLogprob logprob) implements GenerationEvent {
    }

    /**
     * The request finished: {@code reason} is "stop" (stop token or string) or "length" (max_tokens);
     * {@code cachedTokens} of the prompt were resumed from the state cache instead of run.
     */
    record Finished(String reason, int promptTokens, int completionTokens, int cachedTokens) implements GenerationEvent {
    }

    /** The request could not finish (server shutting down, a numerical fault); the message names the cause. */
    record Failed(ApiError error) implements GenerationEvent {
    }

    /** A chosen token's log-probability and the most likely alternatives at its step. */
    record TokenLogprob(String token, double logprob, List<Alternative> top) {
    }

    record Alternative(String token, double logprob) {
    }
}
