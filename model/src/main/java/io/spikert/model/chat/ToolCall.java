package io.spikert.model.chat;

import java.util.Objects;

/**
 * One function call an assistant message made, as in OpenAI's {@code tool_calls}: the call's id (may be null), the
 * function's name and its arguments as JSON text (OpenAI sends a string). Templates see it as Hugging Face's form,
 * {@code {"id": ..., "type": "function", "function": {"name": ..., "arguments": {...}}}}, with the arguments parsed
 * into an object when they are a JSON object (as transformers and vLLM pass them), else as the text.
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
