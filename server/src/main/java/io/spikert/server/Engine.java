package io.spikert.server;

import io.spikert.model.BatchDecoder;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.cache.StateCache;
import io.spikert.model.generate.Sampler;
import io.spikert.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Continuous batching over one model: a single engine thread owns the model's sessions and runs steps. Each
 * step is one forward pass ({@link BatchDecoder#step}) in which every running request that is generating
 * takes its next token, and requests still reading their prompt take chunks of it within the step's token
 * budget ({@link ServerConfig#stepTokens} minus the decode tokens), oldest first. So the weights are read
 * once per step for all requests, and a long prompt arriving delays the running streams by at most one
 * budget's worth of prompt per step instead of its whole prefill.
 *
 * <p>At most {@link ServerConfig#maxBatch} requests run at once, each holding one session (its state: GLA
 * states and SWA rings, fixed in size); up to {@link ServerConfig#maxQueue} more wait, and beyond that
 * {@link #submit} refuses with 429. A cancelled request is dropped before the next step and its session freed.
 */
public final class Engine implements AutoCloseable {
    private final SpikingBrainModel model;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopTokens;
    private final int sampleVocab;
    private final ServerConfig config;
    private final Metrics metrics;
    private final ArrayBlockingQueue<Job> waiting;
    private final List<Running> running = new ArrayList<>();
    private final BatchDecoder decoder;
    private final StateCache cache; // null when the budget is 0
    private final int sessionChunk;
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean stopping;
    private volatile long drainDeadline;

    /**
     * @param tokenizer   null for a model folder without tokenizer files (the output then carries no text)
     * @param stopTokens  token ids that end a request ("stop")
     * @param sampleVocab ids at or above this are never sampled (the 7B's padding rows)
     */
    public Engine(SpikingBrainModel model, Tokenizer tokenizer, Set<Integer> stopTokens, int sampleVocab, ServerConfig config,
                  Metrics metrics) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.stopTokens = Set.copyOf(stopTokens);
        this.sampleVocab = Math.min(sampleVocab, model.config().vocabSize());
        this.config = config;
        this.metrics = metrics;
        this.waiting = new ArrayBlockingQueue<>(config.maxQueue());
        this.sessionChunk = config.stepTokens();
        this.decoder = model.newBatchDecoder(config.stepTokens());
        this.cache = config.stateCacheBytes() > 0 ? new StateCache(model.identity(), config.stateCacheBytes()) : null;
    }

    /** The state cache's counters, or null without a cache. */
    public StateCache.Stats cacheStats() {
        return cache == null ? null : cache.stats();
    }

    /**
     * Queues a request. Throws 429 when the queue is full and 503 once the server is shutting down; the
     * request is then not queued.
     */
    public Job submit(GenerationRequest request) throws ApiError {
        if (stopping) {
            throw new ApiError(503, "server_error", null, "server_shutting_down", "the server is shutting down");
        }
        Job job = new Job(request);
        if (!waiting.offer(job)) {
            metrics.rejected.increment();
            throw new ApiError(429, "rate_limit_error", null, "queue_full", "the server is busy: " + config.maxBatch()
                    + " requests running and " + config.maxQueue() + " waiting; retry later");
        }
        metrics.queued.set(waiting.size());
        return job;
    }

    /** Requests waiting to start. */
    public int queued() {
        return waiting.size();
    }

    /**
     * Runs the engine on the calling thread until {@link #shutdown}: on a GPU backend this must be the thread that
     * opened the backend. Returns once every request has finished or been failed and the decoder is closed.
     */
    public void run() {
        try {
            while (true) {
                dropCancelled();
                admit();
                if (running.isEmpty()) {
                    if (stopping) {
                        break;
                    }
                    Job next = waiting.poll(50, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        start(next);
                    }
                    continue;
                }
                if (stopping && System.nanoTime() - drainDeadline > 0) {
                    failAll(new ApiError(503, "server_error", null, "server_shutting_down",
                            "the server shut down before this request finished"));
                    continue;
                }
                try {
                    step();
                } catch (RuntimeException | OutOfMemoryError e) {
                    // a fault outside the forward pass (which step handles), or a heap too small for the step: end the
                    // running requests (their sessions freed) and keep serving
                    failAll(new ApiError(500, "server_error", null, "generation_failed", "generation failed: " + e));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopping = true; // submit refuses from now on: nobody would run what it queued
            ApiError down = new ApiError(503, "server_error", null, "server_shutting_down", "the server shut down");
            failAll(down);
            for (Job j; (j = waiting.poll()) != null; ) {
                j.emit(new GenerationEvent.Failed(down));
            }
            metrics.queued.set(0);
            decoder.close();
            stopped.countDown();
        }
    }

    /** Starts waiting requests while there is room. */
    private void admit() {
        while (running.size() < config.maxBatch() && !stopping) {
            Job j = waiting.poll();
            if (j == null) {
                break;
            }
            start(j);
        }
        metrics.queued.set(waiting.size());
    }

    private void start(Job job) {
        if (job.cancelled()) {
            metrics.cancelled.increment();
            return;
        }
        int[] prompt = job.request().promptTokens();
        long limit = model.config().contextLimit();
        if (prompt.length >= limit) {
            // a Qwen2 model's key/value cache holds limit positions: the prompt and at least one generated token
            job.emit(new GenerationEvent.Failed(new ApiError(400, "invalid_request_error", null, "context_length_exceeded",
                    "the prompt has " + prompt.length + " tokens; this model's context limit is " + limit
                            + " positions, which must hold the prompt and the tokens generated")));
            return;
        }
        // resume from the longest cached prefix, leaving at least one prompt token to run (a snapshot has no logits)
        StateCache.Hit hit = cache == null ? null : cache.longestPrefix(prompt, prompt.length - 1).orElse(null);
        Session session;
        try {
            session = hit == null ? model.newSession(sessionChunk) : model.newSession(hit.snapshot(), sessionChunk);
        } catch (RuntimeException | OutOfMemoryError e) { // device or heap memory for one more session
            job.emit(new GenerationEvent.Failed(new ApiError(503, "server_error", null, "out_of_memory",
                    "could not open a session for this request: " + e.getMessage())));
            return;
        }
        Sampler sampler = new Sampler(job.request().sampling());
        sampler.begin(job.request().promptTokens());
        Running r = new Running(job, session, sampler, tokenizer == null ? null : tokenizer.streamingDecoder(),
                model.config().vocabSize());
        r.promptDone = r.cachedTokens = hit == null ? 0 : hit.length();
        running.add(r);
        metrics.active.set(running.size());
        metrics.promptTokens.add(prompt.length);
        metrics.cachedPromptTokens.add(r.cachedTokens);
    }

    private void dropCancelled() {
        for (Iterator<Running> it = running.iterator(); it.hasNext(); ) {
            Running r = it.next();
            if (r.job.cancelled()) {
                it.remove();
                r.session.close();
                metrics.cancelled.increment();
            }
        }
        metrics.active.set(running.size());
    }

    /** One forward pass: prompt chunks first (oldest first, within the budget), then every decode token. */
    private void step() {
        List<Running> order = new ArrayList<>(running.size());
        List<Session> sessions = new ArrayList<>(running.size());
        List<int[]> tokens = new ArrayList<>(running.size());
        int decoding = 0;
        for (Running r : running) {
            if (!r.prefilling()) {
                decoding++;
            }
        }
        int budget = config.stepTokens() - decoding;
        for (Running r : running) {
            if (r.prefilling() && budget > 0) {
                int take = Math.min(Math.min(budget, sessionChunk), r.prompt().length - r.promptDone);
                order.add(r);
                sessions.add(r.session);
                tokens.add(Arrays.copyOfRange(r.prompt(), r.promptDone, r.promptDone + take));
                budget -= take;
            }
        }
        for (Running r : running) {
            if (!r.prefilling()) {
                order.add(r);
                sessions.add(r.session);
                tokens.add(new int[] {r.lastToken});
            }
        }
        float[] logits;
        int rows = tokens.stream().mapToInt(t -> t.length).sum();
        try {
            logits = decoder.step(sessions, tokens);
        } catch (RuntimeException e) {
            // a numerical fault or a backend failure: the requests of this step cannot go on
            ApiError error = new ApiError(500, "server_error", null, "generation_failed", "generation failed: " + e.getMessage());
            for (Running r : order) {
                finish(r, new GenerationEvent.Failed(error));
            }
            return;
        }
        metrics.batchSize.observe(order.size());
        metrics.stepTokens.observe(rows);
        int vocab = model.config().vocabSize();
        for (int i = 0; i < order.size(); i++) {
            Running r = order.get(i);
            boolean wasPrefilling = r.prefilling();
            if (wasPrefilling) {
                r.promptDone += tokens.get(i).length;
                if (r.prefilling()) {
                    continue; // more prompt to read before the first token
                }
            }
            System.arraycopy(logits, i * vocab, r.logits, 0, vocab);
            next(r);
            if (wasPrefilling && r.generated == 1 && running.contains(r)) {
                rememberPrompt(r);
            }
        }
    }

    /**
     * Puts r's session state under {@code tokens}; a state the heap cannot hold is simply not cached (the request
     * itself is unaffected).
     */
    private void cacheQuietly(int[] tokens, Running r) {
        try {
            cache.put(tokens, r.session.snapshot());
        } catch (OutOfMemoryError e) {
            metrics.cacheSkipped.increment();
        }
    }

    /**
     * Caches the state right after r's prompt (its first token sampled and sent, not yet run). A conversation's next
     * turn renders the same text up to the end of this prompt, so it resumes at least here even when the reply's
     * text tokenizes differently from the tokens generated (then the end-of-request state does not match).
     */
    private void rememberPrompt(Running r) {
        if (cache == null || r.session.position() != r.prompt().length) {
            return;
        }
        cacheQuietly(r.prompt(), r);
    }

    /**
     * Samples r's next token from its logits and hands its text on (held back while it could still begin a stop
     * string); finishes r at a stop token, a stop string, max_tokens or the model's context limit.
     */
    private void next(Running r) {
        GenerationRequest q = r.job.request();
        int id;
        GenerationEvent.TokenLogprob logprob = null;
        if (q.logprobs()) {
            Sampler.Choice c = r.sampler.sampleWithLogprobs(r.logits, sampleVocab, q.topLogprobs());
            id = c.token();
            List<GenerationEvent.Alternative> top = new ArrayList<>(c.topTokens().length);
            for (int k = 0; k < c.topTokens().length; k++) {
                top.add(new GenerationEvent.Alternative(tokenText(c.topTokens()[k]), c.topLogprobs()[k]));
            }
            logprob = new GenerationEvent.TokenLogprob(tokenText(id), c.logprob(), top);
        } else {
            id = r.sampler.sample(r.logits, sampleVocab);
        }
        long now = System.nanoTime();
        if (r.generated == 0) {
            metrics.timeToFirstToken.observe((now - r.job.submittedNanos()) / 1e9);
        } else {
            metrics.interTokenLatency.observe((now - r.lastTokenNanos) / 1e9);
        }
        r.lastTokenNanos = now;
        r.record(id);
        metrics.completionTokens.increment();
        if (stopTokens.contains(id) && !q.ignoreEos()) {
            finish(r, endText(r), "stop");
            return;
        }
        String piece = r.stops.push(r.text == null ? "" : r.text.push(id));
        r.job.emit(new GenerationEvent.Delta(piece, logprob));
        if (r.stops.stopped()) {
            finish(r, "", "stop");
        } else if (r.generated >= q.maxTokens() || r.session.position() + 1 >= r.session.contextLimit()) {
            // max_tokens, or the context limit (Qwen2): the token just sampled is the last the session could take
            finish(r, endText(r), "length");
        }
    }

    /** The text still held at the end (an incomplete character, a possible stop string's start), cut at a stop string. */
    private static String endText(Running r) {
        String rest = r.stops.push(r.text == null ? "" : r.text.flush());
        return r.stops.stopped() ? rest : rest + r.stops.flush();
    }

    private void finish(Running r, String lastText, String reason) {
        if (!lastText.isEmpty()) {
            r.job.emit(new GenerationEvent.Delta(lastText, null));
        }
        remember(r);
        finish(r, new GenerationEvent.Finished(r.stops.stopped() ? "stop" : reason, r.job.request().promptTokens().length,
                r.generated, r.cachedTokens));
    }

    /**
     * Caches the state r's session ended in, keyed by the tokens it ran: the prompt and every generated token but
     * the last (sampled, never run). A client resending the conversation with this answer and a new turn resumes
     * there and prefills only the new tokens.
     */
    private void remember(Running r) {
        if (cache == null || r.generated < 1) {
            return;
        }
        int[] prompt = r.prompt();
        long ran = r.session.position();
        if (ran != prompt.length + r.generated - 1) {
            return;
        }
        int[] key = Arrays.copyOf(prompt, (int) ran);
        System.arraycopy(r.generatedTokens, 0, key, prompt.length, r.generated - 1);
        cacheQuietly(key, r);
    }

    private String tokenText(int id) {
        return tokenizer == null ? Integer.toString(id) : tokenizer.decode(new int[] {id});
    }

    private void finish(Running r, GenerationEvent end) {
        running.remove(r);
        r.session.close();
        r.job.emit(end);
        metrics.active.set(running.size());
    }

    private void failAll(ApiError error) {
        for (Running r : new ArrayList<>(running)) {
            finish(r, new GenerationEvent.Failed(error));
        }
    }

    /**
     * Stops taking requests (submit answers 503) and lets the running ones finish for up to {@code grace}; then
     * {@link #run} fails the rest and every waiting request, and returns. Does not wait; see {@link #awaitStopped}.
     */
    public void shutdown(java.time.Duration grace) {
        drainDeadline = System.nanoTime() + grace.toNanos();
        stopping = true;
    }

    /** Waits until {@link #run} has returned (it must have been started). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() throws InterruptedException {
        shutdown(config.shutdownGrace());
        awaitStopped();
    }
}
