package io.spikert.server;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A submitted request as its HTTP connection sees it: the events the engine produces for it, and a way to give
 * it up (a client gone mid-stream), after which the engine frees its place before its next step.
 */
public final class Job {
    private final GenerationRequest request;
    private final long submittedNanos = System.nanoTime();
    private final BlockingQueue<GenerationEvent> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    Job(GenerationRequest request) {
        this.request = request;
    }

    public GenerationRequest request() {
        return request;
    }

    long submittedNanos() {
        return submittedNanos;
    }

    /** The next event, waiting up to {@code timeout}; null if none came. */
    public GenerationEvent next(long timeout, TimeUnit unit) throws InterruptedException {
        return events.poll(timeout, unit);
    }

    /** Gives the request up; the engine drops it before its next step. Idempotent. */
    public void cancel() {
        cancelled = true;
    }

    public boolean cancelled() {
        return cancelled;
    }

    void emit(GenerationEvent e) {
        events.add(e);
    }
}
