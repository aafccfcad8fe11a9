package io.spikert.model.chat;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation, with the fields OpenAI's chat API and Hugging Face's chat templates share:
 * {@code role} ("system", "user", "assistant", "tool", or what a template knows), {@code content} (null for an
 * assistant message that only calls tools), an assistant's {@code toolCalls}, and for a tool result the
 * {@code toolCallId} it answers and the tool's {@code name}.
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId, String name) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", Objects.requireNonNull(content, "content"), null, null, null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", Objects.requireNonNull(content, "content"), null, null, null);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", Objects.requireNonNull(content, "content"), null, null, null);
    }

    /** An assistant turn that calls tools; {@code content} is the text before the calls, or null. */
    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, toolCalls, null, null);
    }

    /** A tool's result; {@code toolCallId} and {@code name} may be null. */
    public static ChatMessage tool(String toolCallId, String name, String content) {
        return new ChatMessage("tool", Objects.requireNonNull(content, "content"), null, toolCallId, name);
    }
}
