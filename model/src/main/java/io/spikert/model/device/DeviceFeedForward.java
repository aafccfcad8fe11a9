package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceOps;

/**
 * SwiGLU MLP on the device: {@code out = W_down( silu(W_gate h) * (W_up h) )}. In W8ASpike gate and up
 * spike their input while down_proj keeps its raw weight and un-spiked input.
 */
record DeviceFeedForward(DeviceProjection gate, DeviceProjection up, DeviceProjection down) {

    void forward(DeviceOps ops, DeviceWorkspace ws, int tokens) {
        var h = new DeviceInput(ws, ws.h, ws.hidden, tokens);
        gate.forward(ops, h, tokens, ws.mlpGate);
        up.forward(ops, h, tokens, ws.mlpUp);
        ops.siluMul(ws.mlpGate, ws.mlpUp, ws.mlpGate, tokens * gate.out());
        down.forward(ops, new DeviceInput(ws, ws.mlpGate, gate.out(), tokens), tokens, ws.out);
    }
}
