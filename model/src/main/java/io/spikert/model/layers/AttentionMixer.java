package io.spikert.model.layers;

import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Memory;
import io.spikert.runtime.backend.RecurrentState;

/** The token-mixing half of a decoder layer: reads {@code ws.h}, writes {@code ws.out}. */
public sealed interface AttentionMixer permits GatedLinearAttention, SlidingWindowAttention {

    /** The empty state of one sequence, for a session prefilling at most {@code chunk} tokens at a time. */
    RecurrentState newState(Memory memory, int chunk);

    /** Mixes the batch's rows, each sequence with its state of decoder layer {@code layer}, advancing it. */
    void forward(Backend ops, Workspace ws, Batch batch, int layer);
}
