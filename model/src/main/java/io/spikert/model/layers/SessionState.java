package io.spikert.model.layers;

import io.spikert.runtime.backend.RecurrentState;

/** One sequence's recurrent state: one {@link RecurrentState} per decoder layer (GLA state or SWA cache). */
public record SessionState(RecurrentState[] layers) {

    public RecurrentState layer(int index) {
        return layers[index];
    }

    /** Bytes of every layer's state at its most, independent of the sequence length. */
    public long bytes() {
        long total = 0;
        for (RecurrentState s : layers) {
            total += s.bytes();
        }
        return total;
    }
}
