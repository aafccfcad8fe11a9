package io.spikert.model;

/**
 * One sequence being run by a {@link SpikingBrainModel}, holding its own recurrent state (GLA states
 * and SWA key/value rings), constant in the sequence length (a Qwen2 model's key/value caches grow with it, up
 * to its {@link #contextLimit()}). Prefill runs in chunks, so a prompt of
 * any length runs in the same memory. The state lives in the backend's memory (the heap on the CPU,
 * device memory on a GPU), and only token ids go in and logits come out. Not thread-safe; use
 * one per thread (on a GPU, the thread that opened the backend).
 */
public interface Session extends AutoCloseable {
    /** Receives logits as they are computed: {@code logits[off .. off + vocab)} belong to input token {@code index}. */
    @FunctionalInterface
    interface LogitsSink {
        void accept(int index, float[] logits, int off);
    }

    int vocabSize();

    /** Tokens consumed so far; the next token gets this absolute position. */
    long position();

    /**
     * Most positions the session holds ({@link ModelConfig#contextLimit()}): tokens past it are refused with a
     * {@link ContextLimitException} before they run. Long.MAX_VALUE for SpikingBrain.
     */
    default long contextLimit() {
        return Long.MAX_VALUE;
    }

    /**
     * Bytes of recurrent state (GLA states and SWA rings) at its most: independent of the sequence length for
     * SpikingBrain; for Qwen2 the key/value caches at the context limit.
     */
    long stateBytes();

    /** Backend bytes the session holds: its state and its chunk's activations (device memory on a GPU). */
    long memoryBytes();

    /**
     * Feeds {@code ids} as one batched prefill and returns the logits after the last of them.
     * The returned array is reused by the next call.
     */
    float[] prefill(int[] ids);

    /** Batched prefill that reports the logits of every input token to {@code sink}, chunk by chunk. */
    void prefill(int[] ids, LogitsSink sink);

    /** One token through the recurrent (decode) path; returns its logits, reused by the next call. */
    float[] decode(int id);

    /**
     * A copy of the state as it stands now, in host memory ({@link SessionSnapshot}): a copy of the state only,
     * {@code O(}{@link #stateBytes()}{@code )} at most (on a GPU, device-to-host copies). The session goes on
     * unchanged, and nothing it runs afterwards changes the snapshot.
     */
    SessionSnapshot snapshot();

    /**
     * Replaces this session's state and position with {@code snapshot}'s, as if the tokens it was taken after
     * had run here; a copy of the state only. Whatever the session ran before is dropped. If the copy fails
     * midway (a device error), the session's state is undefined: close it.
     *
     * @throws IllegalArgumentException when the snapshot belongs to another model ({@link ModelIdentity}: other
     *                                  weights, variant or config), naming the difference, before anything changes
     */
    void restore(SessionSnapshot snapshot);

    /** Refuses an empty prompt or a token id outside [0, vocab), naming the id and its index. */
    static void checkIds(int[] ids, int vocab) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to run");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " at index " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }

    /**
     * Releases the session's state early (device memory on a GPU); the model also releases it when it
     * closes. Nothing to do on the CPU.
     */
    @Override
    default void close() {
    }
}
