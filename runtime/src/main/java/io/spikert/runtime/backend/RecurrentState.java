package io.spikert.runtime.backend;

/** The memory one attention layer keeps between the tokens of one sequence, owned by a backend's {@link Memory}. */
public sealed interface RecurrentState permits GlaState, KvCache {
    /** Bytes this state holds at most (constant in the sequence length). */
    long bytes();
}
