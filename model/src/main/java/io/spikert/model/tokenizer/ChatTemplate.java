package io.spikert.model.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * Qwen2.5's ChatML chat template (the {@code chat_template} of tokenizer_config.json) for plain
 * messages without tools or tool calls. For example one user message becomes
 * {@code "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{msg}<|im_end|>\n<|im_start|>assistant\n"}.
 */
public final class ChatTemplate {
    /** The system prompt the template inserts when the conversation does not start with one. */
    public static final String DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant.";

    /** One turn: role is "system", "user", "assistant" or "tool". */
    public record Message(String role, String content) {
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }
    }

    private ChatTemplate() {}

    /**
     * Renders the conversation; with {@code addGenerationPrompt} it ends with
     * {@code "<|im_start|>assistant\n"} so that the model writes the reply.
     *
     * @throws IllegalArgumentException for a role other than system, user, assistant or tool (the
     *     Jinja template would silently drop that message)
     */
    public static String render(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        boolean leadingSystem = !messages.isEmpty() && messages.getFirst().role().equals("system");
        sb.append("<|im_start|>system\n")
                .append(leadingSystem ? messages.getFirst().content() : DEFAULT_SYSTEM_PROMPT)
                .append("<|im_end|>\n");
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            switch (m.role()) {
                case "system" -> {
                    if (i > 0) {
                        turn(sb, m);
                    }
                }
                case "user", "assistant" -> turn(sb, m);
                case "tool" -> {
                    // Consecutive tool results share one user turn.
                    if (i == 0 || !messages.get(i - 1).role().equals("tool")) {
                        sb.append("<|im_start|>user");
                    }
                    sb.append("\n<tool_response>\n").append(m.content()).append("\n</tool_response>");
                    if (i == messages.size() - 1 || !messages.get(i + 1).role().equals("tool")) {
                        sb.append("<|im_end|>\n");
                    }
                }
                default -> throw new IllegalArgumentException("message " + i + " has role \"" + m.role()
                        + "\"; the chat template knows system, user, assistant and tool");
            }
        }
        if (addGenerationPrompt) {
            sb.append("<|im_start|>assistant\n");
        }
        return sb.toString();
    }

    private static void turn(StringBuilder sb, Message m) {
        sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
    }
}
