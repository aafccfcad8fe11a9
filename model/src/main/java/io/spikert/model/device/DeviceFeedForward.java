package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceOps;

/** SwiGLU MLP on the device: {@code out = W_down( silu(W_gate h) * (W_up h) )}. */
record DeviceFeedForward(DeviceLinear gate, DeviceLinear up, DeviceLinear down) {

    void forward(DeviceOps ops, DeviceWorkspace ws, int tokens) {
        gate.forward(ops, ws.h, tokens, ws.mlpGate);
        up.forward(ops, ws.h, tokens, ws.mlpUp);
        ops.siluMul(ws.mlpGate, ws.mlpUp, ws.mlpGate, tokens * gate.out());
        down.forward(ops, ws.mlpGate, tokens, ws.out);
    }
}
