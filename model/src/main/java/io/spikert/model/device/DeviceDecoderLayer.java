package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceOps;

/**
 * One pre-norm residual block on the device (as {@code layers.DecoderLayer}):
 * {@code r = x + attn(rmsnorm(x, attn_norm)); x = r + mlp(rmsnorm(r, mlp_norm))}.
 */
record DeviceDecoderLayer(int index, int hidden, long attnNorm, DeviceMixer attention, long mlpNorm,
                          DeviceFeedForward mlp, float eps) {

    void forward(DeviceOps ops, DeviceWorkspace ws, DeviceLayerState state, int tokens, long pos0) {
        ops.rmsnorm(ws.x, attnNorm, ws.h, hidden, tokens, eps);
        attention.forward(ops, ws, state, tokens, pos0);
        ops.add(ws.x, ws.out, tokens * hidden);
        ops.rmsnorm(ws.x, mlpNorm, ws.h, hidden, tokens, eps);
        mlp.forward(ops, ws, tokens);
        ops.add(ws.x, ws.out, tokens * hidden);
    }
}
