package io.spikert.model.layers;

import io.spikert.kernels.SwiGlu;
import io.spikert.runtime.backend.Backend;

/**
 * SwiGLU MLP: {@code out = W_down( silu(W_gate h) * (W_up h) )}. In W8ASpike gate and up are spiking
 * projections while down_proj keeps its raw weight and un-spiked input.
 */
public record FeedForward(Projection gate, Projection up, Projection down) {

    public void forward(Backend backend, Workspace ws, int tokens) {
        gate.forward(backend, ws.h, tokens, ws.mlpGate);
        up.forward(backend, ws.h, tokens, ws.mlpUp);
        SwiGlu.siluMul(ws.mlpGate, 0, ws.mlpUp, 0, ws.mlpGate, 0, tokens * gate.out());
        down.forward(backend, ws.mlpGate, tokens, ws.out);
    }
}
