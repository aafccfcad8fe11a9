package io.spikert.server;

/**
 * A checked request body: what to generate and how to answer (the endpoint's shape, streamed or not).
 *
 * @param chat         true for /v1/chat/completions, false for /v1/completions
 * @param generation   what the engine runs
 * @param stream       answer as server-sent events
 * @param includeUsage with stream, a last chunk carrying usage ({@code stream_options.include_usage})
 * @param tools        tools were offered: a reply of {@code <tool_call>} blocks is answered as OpenAI {@code tool_calls}
 */
public record ParsedRequest(boolean chat, GenerationRequest generation, boolean stream, boolean includeUsage, boolean tools) {
}
