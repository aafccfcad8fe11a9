package io.spikert.model.layers;

import io.spikert.kernels.SwiGlu;
import io.spikert.runtime.backend.Backend;

/** SwiGLU MLP: {@code out = W_down( silu(W_gate h) * (W_up h) )}. */
public record FeedForward(Linear gate, Linear up, Linear down) {

    public void forward(Backend backend, Workspace ws, int tokens) {
        gate.forward(backend, ws.h, tokens, ws.mlpGate);
        up.forward(backend, ws.h, tokens, ws.mlpUp);
        SwiGlu.siluMul(ws.mlpGate, 0, ws.mlpUp, 0, ws.mlpGate, 0, tokens * gate.out());
        down.forward(backend, ws.mlpGate, tokens, ws.out);
    }
}
