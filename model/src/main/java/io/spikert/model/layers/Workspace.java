package io.spikert.model.layers;

import io.spikert.model.ModelConfig;

/**
 * A session's scratch activations for one chunk of at most {@code capacity} tokens, laid out
 * row-major [token, feature]. Sized once from the config, so memory does not grow with the prompt.
 */
public final class Workspace {
    public final int capacity;
    /** Residual stream x. */
    public final float[] x;
    /** Normalised input of the current sub-layer. */
    public final float[] h;
    /** Output of the current sub-layer, added to x. */
    public final float[] out;
    public final float[] q;
    public final float[] k;
    public final float[] v;
    /** GLA log decay per key dimension. */
    public final float[] g;
    /** Per-head attention outputs before o_proj. */
    public final float[] o;
    public final float[] mlpGate;
    public final float[] mlpUp;
    /** Softmax scores, one row per kv head so heads can run in parallel. */
    public final float[][] scores;
    public final float[] ropeCos;
    public final float[] ropeSin;

    public Workspace(ModelConfig c, int capacity) {
        this.capacity = capacity;
        int hidden = c.hiddenSize();
        x = new float[capacity * hidden];
        h = new float[capacity * hidden];
        out = new float[capacity * hidden];
        q = new float[capacity * hidden];
        o = new float[capacity * hidden];
        k = new float[capacity * c.kvDim()];
        v = new float[capacity * c.kvDim()];
        g = new float[capacity * c.kvDim()];
        mlpGate = new float[capacity * c.intermediateSize()];
        mlpUp = new float[capacity * c.intermediateSize()];
        scores = new float[c.numKvHeads()][c.slidingWindow() + 1];
        ropeCos = new float[c.headDim() / 2];
        ropeSin = new float[c.headDim() / 2];
    }
}
