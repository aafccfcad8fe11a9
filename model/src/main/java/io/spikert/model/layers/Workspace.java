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
    /** Softmax scores, one row per kv head so heads can run in parallel; rows grow up to W + 1 ({@link #ensureScores}). */
    public final float[][] scores;
    private final int maxScores;
    public final float[] ropeCos;
    public final float[] ropeSin;

    /**
     * @throws IllegalArgumentException when {@code capacity} is not positive or a chunk of that many tokens
     *                                  would need an array larger than the VM allows
     */
    public Workspace(ModelConfig c, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1 token, got " + capacity);
        }
        this.capacity = capacity;
        int hidden = c.hiddenSize();
        checkChunk(capacity, Math.max(hidden, c.intermediateSize()));
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
        // score rows grow with the positions seen (ensureScores), not to the config's window at once
        maxScores = c.slidingWindow() + 1;
        scores = new float[c.numKvHeads()][Math.min(maxScores, KvRing.INITIAL_SLOTS)];
        ropeCos = new float[c.headDim() / 2];
        ropeSin = new float[c.headDim() / 2];
    }

    /** Makes every score row hold at least {@code n} (at most W + 1) scores. Single-threaded. */
    public void ensureScores(int n) {
        for (int j = 0; j < scores.length; j++) {
            if (scores[j].length < n) {
                scores[j] = new float[(int) Math.min(maxScores, Math.max(n, 2L * scores[j].length))];
            }
        }
    }

    /** Refuses a chunk whose [tokens, width] block of floats does not fit one array. */
    public static void checkChunk(int tokens, int width) {
        long n = (long) tokens * width;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a chunk of " + tokens + " tokens x " + width + " = " + n
                    + " floats is more than one array holds; use a smaller chunk");
        }
    }
}
