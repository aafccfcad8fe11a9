package io.spikert.runtime.backend;

/**
 * One SWA layer's keys (after RoPE) and values of the last {@link #window} positions per kv head, held in
 * a ring so its memory is constant in the sequence length. How many slots a backend keeps beyond the
 * window, and whether it grows into them, is its own affair.
 */
public non-sealed interface KvCache extends RecurrentState {
    int kvHeads();

    int headDim();

    /** Keys a query attends: W + 1 (its own position and the W before it). */
    int window();
}
