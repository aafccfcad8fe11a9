package io.spikert.model.layers;

import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;

/**
 * The input of a sub-layer's projections: {@code rows} rows of {@code n} floats. W8ASpike's QuantLinears
 * read it as spike counts (MODEL.md section 4); every projection sharing an input (q, k, v and gk of one
 * attention; gate and up of one MLP) gets the same counts, so they are encoded once, on first demand,
 * into the workspace's one spike buffer. A later input encoded there takes the buffer over, and this one
 * then encodes again if asked.
 */
public final class LayerInput {
    private final Workspace ws;
    private final Floats values;
    private final int n;
    private final int rows;
    private float encodedK;

    public LayerInput(Workspace ws, Floats values, int n, int rows) {
        this.ws = ws;
        this.values = values;
        this.n = n;
        this.rows = rows;
    }

    public Floats values() {
        return values;
    }

    Workspace workspace() {
        return ws;
    }

    /** Encodes the counts at threshold factor {@code k} unless this input already holds the spike buffer at that k. */
    void spike(Backend ops, float k) {
        if (ws.spikesOwner != this || encodedK != k) {
            if (ws.spikes == null) {
                throw new IllegalStateException("spiking an input of " + n + " features in a workspace without spike buffers"
                        + " (a base-model session)");
            }
            ops.spikeEncode(values, n, k, rows, ws.spikes);
            ws.spikesOwner = this;
            encodedK = k;
        }
    }
}
