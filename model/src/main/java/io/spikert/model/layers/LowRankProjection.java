package io.spikert.model.layers;

import io.spikert.runtime.backend.Backend;

/** {@code up(down(x))}: the base model's GLA gate, {@code gk_proj.1(gk_proj.0(h))}, through rank 16. */
public record LowRankProjection(Linear down, Linear up) implements Projection {

    @Override
    public int in() {
        return down.in();
    }

    @Override
    public int out() {
        return up.out();
    }

    @Override
    public void forward(Backend backend, float[] x, int xOff, int tokens, float[] y, int yOff) {
        float[] mid = new float[tokens * down.out()]; // rank 16: a few kB per chunk
        down.forward(backend, x, xOff, tokens, mid, 0);
        up.forward(backend, mid, 0, tokens, y, yOff);
    }
}
