package io.spikert.model.layers;

import io.spikert.runtime.backend.Backend;

/**
 * SwiGLU MLP: {@code out = W_down( silu(W_gate h) * (W_up h) )}. In W8ASpike gate and up are spiking
 * projections while down_proj keeps its raw weight and un-spiked input.
 */
public record FeedForward(Projection gate, Projection up, Projection down) {

    public void forward(Backend ops, Workspace ws, int rows) {
        var h = new LayerInput(ws, ws.h, gate.in(), rows);
        gate.forward(ops, h, rows, ws.mlpGate);
        up.forward(ops, h, rows, ws.mlpUp);
        ops.siluMul(ws.mlpGate, ws.mlpUp, ws.mlpGate, rows * gate.out());
        down.forward(ops, new LayerInput(ws, ws.mlpGate, gate.out(), rows), rows, ws.out);
    }
}
