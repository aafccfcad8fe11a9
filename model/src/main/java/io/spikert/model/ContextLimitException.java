package io.spikert.model;

/**
 * Tokens that would take a session past its model's context limit ({@link ModelConfig#contextLimit()}: a Qwen2
 * model's key/value cache holds that many positions; SpikingBrain has none). Thrown before any of them runs, so
 * the session is unchanged and may go on with fewer.
 */
public final class ContextLimitException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long position;
    private final long tokens;
    private final long limit;

    public ContextLimitException(long position, long tokens, long limit) {
        super(tokens + " more tokens at position " + position + " exceed the model's context limit of " + limit
                + " positions (a Qwen2 model's --context, or max_position_embeddings of its config.json)");
        this.position = position;
        this.tokens = tokens;
        this.limit = limit;
    }

    /** Fails unless {@code tokens} more fit a session at {@code position} under {@code limit}. */
    static void check(long position, long tokens, long limit) {
        if (tokens > limit - position) {
            throw new ContextLimitException(position, tokens, limit);
        }
    }

    public long position() {
        return position;
    }

    public long tokens() {
        return tokens;
    }

    public long limit() {
        return limit;
    }
}
