package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceOps;
import io.spikert.runtime.gpu.DeviceOps.Activation;

/** The base model's GLA gate through rank 16, {@code gk_proj.1(gk_proj.0(h))} (W8ASpike's is one full-rank QuantLinear). */
record DeviceLowRankGate(DeviceLinear down, DeviceLinear up) implements DeviceProjection {

    @Override
    public int out() {
        return up.out();
    }

    @Override
    public void forward(DeviceOps ops, DeviceInput x, int tokens, long y, Activation act) {
        DeviceWorkspace ws = x.workspace();
        down.forward(ops, x, tokens, ws.lowRank);
        up.forward(ops, new DeviceInput(ws, ws.lowRank, down.out(), tokens), tokens, y, act);
    }
}
