package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceOps;

/**
 * The input of a sub-layer's projections on the device: {@code tokens} rows of {@code n} floats at
 * {@code values}. W8ASpike's QuantLinears read it as spike counts (MODEL.md section 4); every projection
 * sharing an input (q, k, v and gk of one attention; gate and up of one MLP) gets the same counts, so
 * they are encoded once, on first demand, into the workspace's one count buffer. A later input encoded
 * there takes the buffer over, and this one then encodes again if asked.
 */
final class DeviceInput {
    private final DeviceWorkspace ws;
    private final long values;
    private final int n;
    private final int tokens;
    private float encodedK;

    DeviceInput(DeviceWorkspace ws, long values, int n, int tokens) {
        this.ws = ws;
        this.values = values;
        this.n = n;
        this.tokens = tokens;
    }

    long values() {
        return values;
    }

    DeviceWorkspace workspace() {
        return ws;
    }

    /** Encodes the counts at threshold factor {@code k} unless this input already holds the buffer at that k. */
    void spike(DeviceOps ops, float k) {
        if (ws.spikesOwner != this || encodedK != k) {
            if (ws.spikeCounts == 0 || n > ws.hidden) {
                throw new IllegalStateException("spiking an input of " + n + " features: the session's spike buffers hold "
                        + (ws.spikeCounts == 0 ? "none (a base-model session)" : ws.hidden + " a token"));
            }
            ops.spikeEncode(values, ws.spikeCounts, ws.spikeThresholds, n, k, tokens);
            ws.spikesOwner = this;
            encodedK = k;
        }
    }
}
