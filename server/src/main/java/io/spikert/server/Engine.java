package io.spikert.server;

import io.spikert.model.BatchDecoder;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.generate.Sampler;
import io.spikert.model.tokenizer.Tokenizer;

import java.security.SecureRandom;
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
    private final int sessionChunk;
    private final Thread thread;
    private final SecureRandom seeds = new SecureRandom();
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
        this.thread = Thread.ofPlatform().name("spikert-engine").daemon(false).unstarted(this::loop);
        thread.start();
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

    private void loop() {
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
                step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ApiError down = new ApiError(503, "server_error", null, "server_shutting_down", "the server shut down");
            failAll(down);
            for (Job j; (j = waiting.poll()) != null; ) {
                j.emit(new GenerationEvent.Failed(down));
            }
            metrics.queued.set(0);
            decoder.close();
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
        SamplingSettings s = job.request().sampling();
        long seed = s.seed() != null ? s.seed() : seeds.nextLong();
        Session session;
        try {
            session = model.newSession(sessionChunk);
        } catch (RuntimeException e) {
            job.emit(new GenerationEvent.Failed(new ApiError(503, "server_error", null, "out_of_memory",
                    "could not open a session for this request: " + e.getMessage())));
            return;
        }
        running.add(new Running(job, session, new Sampler((float) s.temperature(), seed),
                tokenizer == null ? null : tokenizer.streamingDecoder(), model.config().vocabSize()));
        metrics.active.set(running.size());
        metrics.promptTokens.add(job.request().promptTokens().length);
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
        }
    }

    /** Samples r's next token from its logits and hands it on; finishes r at a stop token or max_tokens. */
    private void next(Running r) {
        GenerationRequest q = r.job.request();
        GenerationEvent.TokenLogprob logprob = null;
        int id = r.sampler.sample(r.logits, sampleVocab);
        if (q.logprobs()) {
            logprob = Logprobs.of(r.logits, sampleVocab, id, q.topLogprobs(), this::tokenText);
        }
        long now = System.nanoTime();
        if (r.generated == 0) {
            metrics.timeToFirstToken.observe((now - r.job.submittedNanos()) / 1e9);
        } else {
            metrics.interTokenLatency.observe((now - r.lastTokenNanos) / 1e9);
        }
        r.lastTokenNanos = now;
        r.generated++;
        r.lastToken = id;
        metrics.completionTokens.increment();
        if (stopTokens.contains(id)) {
            flushText(r);
            finish(r, new GenerationEvent.Finished("stop", q.promptTokens().length, r.generated));
            return;
        }
        String piece = r.text == null ? "" : r.text.push(id);
        r.job.emit(new GenerationEvent.Delta(piece, id, logprob));
        if (r.generated >= q.maxTokens()) {
            flushText(r);
            finish(r, new GenerationEvent.Finished("length", q.promptTokens().length, r.generated));
        }
    }

    private String tokenText(int id) {
        return tokenizer == null ? Integer.toString(id) : tokenizer.decode(new int[] {id});
    }

    private void flushText(Running r) {
        if (r.text != null) {
            String rest = r.text.flush();
            if (!rest.isEmpty()) {
                r.job.emit(new GenerationEvent.Delta(rest, -1, null));
            }
        }
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
     * Stops taking requests (submit answers 503), lets the running ones finish for up to {@code grace}, fails the
     * rest and every waiting request, and stops the engine thread.
     */
    public void shutdown(java.time.Duration grace) throws InterruptedException {
        stopping = true;
        drainDeadline = System.nanoTime() + grace.toNanos();
        thread.join();
    }

    @Override
    public void close() throws InterruptedException {
        shutdown(config.shutdownGrace());
    }
}
