package io.spikert.model.chat;

/**
 * A chat template failed to render a conversation: the template called {@code raise_exception} (it refuses the
 * conversation, e.g. "Conversation roles must alternate user/assistant/user/assistant/...") or hit a Jinja error.
 * The message names the template's source and says what failed; for a server it is the client's request that
 * the template refused.
 */
public final class ChatTemplateException extends RuntimeException {
    private final String templateSource;
    private final boolean raisedByTemplate;

    ChatTemplateException(String templateSource, String message, boolean raisedByTemplate, Throwable cause) {
        super(message, cause);
        this.templateSource = templateSource;
        this.raisedByTemplate = raisedByTemplate;
    }

    /** Where the template came from, e.g. {@code /models/x/tokenizer_config.json (chat_template)}. */
    public String templateSource() {
        return templateSource;
    }

    /** True when the template itself refused the conversation through {@code raise_exception}. */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
