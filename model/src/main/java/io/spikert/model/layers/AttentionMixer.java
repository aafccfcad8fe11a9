package io.spikert.model.layers;

import io.spikert.runtime.backend.Backend;

/** The token-mixing half of a decoder layer: reads {@code ws.h}, writes {@code ws.out}. */
public sealed interface AttentionMixer permits GatedLinearAttention, SlidingWindowAttention {

    LayerState newState();

    /** Mixes {@code tokens} tokens at absolute positions {@code pos0 ..}, advancing {@code state}. */
    void forward(Backend backend, Workspace ws, LayerState state, int tokens, long pos0);
}
