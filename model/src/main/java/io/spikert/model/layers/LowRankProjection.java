package io.spikert.model.layers;

import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;

/** {@code up(down(x))}: the base model's GLA gate, {@code gk_proj.1(gk_proj.0(h))}, through rank 16. */
public record LowRankProjection(Projection down, Projection up) implements Projection {

    @Override
    public int in() {
        return down.in();
    }

    @Override
    public int out() {
        return up.out();
    }

    @Override
    public void forward(Backend ops, LayerInput x, int rows, Floats y, Activation act) {
        Workspace ws = x.workspace();
        down.forward(ops, x, rows, ws.lowRank);
        up.forward(ops, new LayerInput(ws, ws.lowRank, down.out(), rows), rows, y, act);
    }
}
