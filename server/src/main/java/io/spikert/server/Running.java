package io.spikert.server;

import io.spikert.model.Session;
import io.spikert.model.generate.Sampler;
import io.spikert.model.generate.StopStrings;
import io.spikert.model.tokenizer.StreamingDecoder;

/**
 * A request the engine is running (engine thread only): its session, how much of its prompt has run, its
 * sampler, text decoder and stop strings, and its counts and timings.
 */
final class Running {
    final Job job;
    final Session session;
    final Sampler sampler;
    final StreamingDecoder text; // null without a tokenizer
    final StopStrings stops;
    final float[] logits;
    int promptDone;
    /** Prompt tokens resumed from the state cache (not run again). */
    int cachedTokens;
    int generated;
    int[] generatedTokens = new int[16];
    int lastToken;
    long lastTokenNanos;

    Running(Job job, Session session, Sampler sampler, StreamingDecoder text, int vocab) {
        this.job = job;
        this.session = session;
        this.sampler = sampler;
        this.text = text;
        this.stops = new StopStrings(job.request().stop());
        this.logits = new float[vocab];
    }

    /** Counts a generated token and keeps it (the state cache keys the final state by the tokens run). */
    void record(int id) {
        if (generated == generatedTokens.length) {
            generatedTokens = java.util.Arrays.copyOf(generatedTokens, 2 * generated);
        }
        generatedTokens[generated++] = id;
        lastToken = id;
    }

    int[] prompt() {
        return job.request().promptTokens();
    }

    boolean prefilling() {
        return promptDone < prompt().length;
    }
}
