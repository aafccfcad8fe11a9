package io.spikert.server;

import java.time.Duration;

/**
 * What {@code spikert serve} was started with.
 *
 * @param host             address to bind (127.0.0.1 unless the user names another)
 * @param port             TCP port (0: any free port, reported once bound)
 * @param modelId          the model name /v1/models lists and responses carry
 * @param maxBatch         most requests generating at once (each decode step runs them in one weight pass)
 * @param stepTokens       most tokens one step runs in all: the running requests' decode tokens plus prompt chunks
 * @param maxQueue         most requests waiting to start; more are answered 429 with Retry-After
 * @param maxPromptTokens  longest prompt accepted, in tokens
 * @param maxTokensLimit   largest max_tokens accepted
 * @param defaultMaxTokens max_tokens when a request gives none
 * @param maxBodyBytes     largest request body accepted
 * @param apiKey           when not null, every endpoint but /health requires {@code Authorization: Bearer <key>}
 * @param shutdownGrace    how long a shutdown waits for running requests before cancelling them
 * @param stateCacheBytes  heap the state cache may hold (the session states at the ends of finished requests, so a
 *                         conversation's next turn resumes there); 0 turns it off
 */
public record ServerConfig(String host, int port, String modelId, int maxBatch, int stepTokens, int maxQueue,
                           int maxPromptTokens, int maxTokensLimit, int defaultMaxTokens, long maxBodyBytes,
                           String apiKey, Duration shutdownGrace, long stateCacheBytes) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;

    public ServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        positive("maxBatch", maxBatch);
        positive("maxQueue", maxQueue);
        positive("maxPromptTokens", maxPromptTokens);
        positive("maxTokensLimit", maxTokensLimit);
        positive("defaultMaxTokens", defaultMaxTokens);
        if (stepTokens < maxBatch) {
            throw new IllegalArgumentException("stepTokens (" + stepTokens + ") must be at least maxBatch (" + maxBatch
                    + "): every running request takes one token per step");
        }
        if (defaultMaxTokens > maxTokensLimit) {
            throw new IllegalArgumentException("defaultMaxTokens (" + defaultMaxTokens + ") exceeds maxTokensLimit (" + maxTokensLimit + ")");
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 1024, got " + maxBodyBytes);
        }
        if (apiKey != null && apiKey.isEmpty()) {
            throw new IllegalArgumentException("an API key must not be empty");
        }
        if (stateCacheBytes < 0) {
            throw new IllegalArgumentException("stateCacheBytes must not be negative, got " + stateCacheBytes);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative");
        }
    }

    /** Loopback, port 8080, 8 requests at once, 256 tokens a step, 64 waiting, 32768-token prompts, a 1 GiB state cache. */
    public static ServerConfig defaults(String modelId) {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, modelId, 8, 256, 64, 32768, 8192, 512, 4L << 20, null,
                Duration.ofSeconds(30), 1L << 30);
    }

    public ServerConfig withAddress(String host, int port) {
        return new ServerConfig(host, port, modelId, maxBatch, stepTokens, maxQueue, maxPromptTokens, maxTokensLimit,
                defaultMaxTokens, maxBodyBytes, apiKey, shutdownGrace, stateCacheBytes);
    }

    public ServerConfig withLimits(int maxBatch, int stepTokens, int maxQueue, int maxPromptTokens, int maxTokensLimit) {
        return new ServerConfig(host, port, modelId, maxBatch, stepTokens, maxQueue, maxPromptTokens, maxTokensLimit,
                Math.min(defaultMaxTokens, maxTokensLimit), maxBodyBytes, apiKey, shutdownGrace, stateCacheBytes);
    }

    public ServerConfig withApiKey(String key) {
        return new ServerConfig(host, port, modelId, maxBatch, stepTokens, maxQueue, maxPromptTokens, maxTokensLimit,
                defaultMaxTokens, maxBodyBytes, key, shutdownGrace, stateCacheBytes);
    }

    public ServerConfig withShutdownGrace(Duration grace) {
        return new ServerConfig(host, port, modelId, maxBatch, stepTokens, maxQueue, maxPromptTokens, maxTokensLimit,
                defaultMaxTokens, maxBodyBytes, apiKey, grace, stateCacheBytes);
    }

    public ServerConfig withStateCacheBytes(long bytes) {
        return new ServerConfig(host, port, modelId, maxBatch, stepTokens, maxQueue, maxPromptTokens, maxTokensLimit,
                defaultMaxTokens, maxBodyBytes, apiKey, shutdownGrace, bytes);
    }

    public ServerConfig withModelId(String id) {
        return new ServerConfig(host, port, id, maxBatch, stepTokens, maxQueue, maxPromptTokens, maxTokensLimit,
                defaultMaxTokens, maxBodyBytes, apiKey, shutdownGrace, stateCacheBytes);
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + v);
        }
    }
}
