package io.spikert.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The server's counters, gauges and histograms, written as Prometheus text by {@code GET /metrics}. */
public final class Metrics {
    private static final double[] SECONDS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    final LongAdder promptTokens = new LongAdder();
    final LongAdder cachedPromptTokens = new LongAdder();
    final LongAdder completionTokens = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder cancelled = new LongAdder();
    final LongAdder cacheSkipped = new LongAdder();
    final AtomicInteger queued = new AtomicInteger();
    final AtomicInteger active = new AtomicInteger();
    final Histogram timeToFirstToken = new Histogram("spikert_time_to_first_token_seconds",
            "Time from a request's arrival to its first generated token.", SECONDS);
    final Histogram interTokenLatency = new Histogram("spikert_inter_token_latency_seconds",
            "Time between consecutive generated tokens of one request.", SECONDS);
    final Histogram batchSize = new Histogram("spikert_step_batch_size",
            "Requests in one engine step (one weight pass).", 1, 2, 4, 8, 16, 32, 64);
    final Histogram stepTokens = new Histogram("spikert_step_tokens",
            "Tokens one engine step ran: decode tokens plus prompt chunks.", 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024);

    /** Counts one answered request by endpoint and HTTP status. */
    public void request(String endpoint, int status) {
        requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
    }

    /** The state cache's counters for {@link #render}; null without a cache. */
    volatile java.util.function.Supplier<io.spikert.model.cache.StateCache.Stats> cache;

    /** The Prometheus text exposition. */
    public String render() {
        StringBuilder out = new StringBuilder(4096);
        out.append("# HELP spikert_requests_total Requests answered, by endpoint and HTTP status.\n");
        out.append("# TYPE spikert_requests_total counter\n");
        requests.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String[] k = e.getKey().split("\u0000");
            out.append("spikert_requests_total{endpoint=\"").append(k[0]).append("\",status=\"").append(k[1]).append("\"} ")
                    .append(e.getValue().sum()).append('\n');
        });
        counter(out, "spikert_prompt_tokens_total", "Prompt tokens of the requests run.", promptTokens.sum());
        counter(out, "spikert_prompt_tokens_cached_total", "Prompt tokens resumed from the state cache instead of run.",
                cachedPromptTokens.sum());
        counter(out, "spikert_completion_tokens_total", "Tokens generated.", completionTokens.sum());
        counter(out, "spikert_rejected_total", "Requests refused with 429 because the queue was full.", rejected.sum());
        counter(out, "spikert_cancelled_total", "Requests given up by their client before they finished.", cancelled.sum());
        gauge(out, "spikert_queue_length", "Requests waiting to start.", queued.get());
        gauge(out, "spikert_active_sessions", "Requests generating (each holds one session state).", active.get());
        var c = cache == null ? null : cache.get();
        if (c != null) {
            counter(out, "spikert_state_cache_hits_total", "Requests resumed from a cached state.", c.hits());
            counter(out, "spikert_state_cache_misses_total", "Requests that found no cached prefix.", c.misses());
            counter(out, "spikert_state_cache_evictions_total", "Cached states dropped for the memory budget.", c.evictions());
            counter(out, "spikert_state_cache_skipped_total", "States not cached because the heap could not hold a copy.",
                    cacheSkipped.sum());
            gauge(out, "spikert_state_cache_entries", "Cached session states.", c.entries());
            gauge(out, "spikert_state_cache_bytes", "Bytes of cached session states.", c.bytes());
        }
        timeToFirstToken.write(out);
        interTokenLatency.write(out);
        batchSize.write(out);
        stepTokens.write(out);
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, long v) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(v).append('\n');
    }

    private static void gauge(StringBuilder out, String name, String help, long v) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(v).append('\n');
    }
}
