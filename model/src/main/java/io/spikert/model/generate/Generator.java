package io.spikert.model.generate;

import io.spikert.model.Session;

import java.util.Arrays;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Prefills a prompt, then samples and decodes one token at a time until a stop token, the limit or the caller's stop
 * condition (a stop string). The model's sessions never return non-finite logits (they throw
 * {@link io.spikert.runtime.NumericalFaultException}), so generation stops there instead of sampling from NaN.
 */
public final class Generator {

    /** Called with each generated token as soon as it is chosen (stop tokens included). */
    @FunctionalInterface
    public interface TokenListener {
        void onToken(int id);
    }

    /**
     * STOP_STRING: the caller's stop condition held (a stop string in the text, see {@link StopStrings});
     * CONTEXT_LIMIT: the session holds no more positions ({@link Session#contextLimit()}, Qwen2), before max tokens.
     */
    public enum StopReason { STOP_TOKEN, STOP_STRING, MAX_TOKENS, CONTEXT_LIMIT }

    /** @param decodeSteps number of one-token decode calls, which {@code decodeNanos} covers */
    public record Result(int[] tokens, int promptTokens, long prefillNanos, int decodeSteps, long decodeNanos, StopReason stopReason) {
        public double prefillTokensPerSecond() {
            return prefillNanos == 0 ? 0 : promptTokens * 1e9 / prefillNanos;
        }

        public double decodeTokensPerSecond() {
            return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
        }
    }

    private final Set<Integer> stopTokens;
    private final int sampleVocab;

    /** Samples over the model's whole vocabulary. */
    public Generator(Set<Integer> stopTokens) {
        this(stopTokens, Integer.MAX_VALUE);
    }

    /**
     * Samples only ids below {@code sampleVocab}: the 7B's embedding has 152064 rows but its tokenizer
     * 151665 ids, and the padding rows decode to nothing.
     */
    public Generator(Set<Integer> stopTokens, int sampleVocab) {
        if (sampleVocab < 1) {
            throw new IllegalArgumentException("sampling vocabulary must be at least 1, got " + sampleVocab);
        }
        this.stopTokens = Set.copyOf(stopTokens);
        this.sampleVocab = sampleVocab;
    }

    public Result generate(Session session, int[] prompt, int maxTokens, Sampler sampler, TokenListener listener) {
        return generate(session, prompt, maxTokens, sampler, listener, () -> false);
    }

    /**
     * Generates until a stop token, {@code maxTokens}, or {@code stopNow} holds after a token's listener call (the
     * caller's condition, e.g. {@link StopStrings#stopped()} of the text the listener decoded). Starts the sampler's
     * sequence with the prompt ({@link Sampler#begin}), which its repetition penalty counts. Generates no more tokens
     * than the session has positions left after the prompt, so every generated token could go on into it.
     */
    public Result generate(Session session, int[] prompt, int maxTokens, Sampler sampler, TokenListener listener,
                           BooleanSupplier stopNow) {
        return generate(session, prompt, prompt, maxTokens, sampler, listener, stopNow);
    }

    /**
     * As {@link #generate(Session, int[], int, Sampler, TokenListener, BooleanSupplier)} for a session that already
     * ran the start of the context: prefills {@code prompt} (the new tokens) while the sampler's sequence starts with
     * {@code context}, the whole context those tokens end, for the repetition penalty to count.
     */
    public Result generate(Session session, int[] prompt, int[] context, int maxTokens, Sampler sampler, TokenListener listener,
                           BooleanSupplier stopNow) {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        }
        int vocab = Math.min(session.vocabSize(), sampleVocab);
        sampler.begin(context);
        long t0 = System.nanoTime();
        float[] logits = session.prefill(prompt);
        long prefillNanos = System.nanoTime() - t0;
        int cap = (int) Math.min(maxTokens, session.contextLimit() - session.position());
        int[] out = new int[cap];
        int n = 0;
        int steps = 0;
        long decodeNanos = 0;
        StopReason reason = cap < maxTokens ? StopReason.CONTEXT_LIMIT : StopReason.MAX_TOKENS;
        while (n < cap) {
            int next = sampler.sample(logits, vocab);
            out[n++] = next;
            listener.onToken(next);
            if (stopTokens.contains(next)) {
                reason = StopReason.STOP_TOKEN;
                break;
            }
            if (stopNow.getAsBoolean()) {
                reason = StopReason.STOP_STRING;
                break;
            }
            if (n == cap) {
                break;
            }
            long t1 = System.nanoTime();
            logits = session.decode(next);
            decodeNanos += System.nanoTime() - t1;
            steps++;
        }
        return new Result(Arrays.copyOf(out, n), prompt.length, prefillNanos, steps, decodeNanos, reason);
    }
}
