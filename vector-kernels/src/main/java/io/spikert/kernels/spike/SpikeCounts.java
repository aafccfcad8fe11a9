package io.spikert.kernels.spike;

/**
 * The W8ASpike activation spiking of one token: an adaptive threshold
 * {@code vth = clamp(mean(|x|) / k, 1e-5, 1e4)} and integer spike counts {@code s = rint(x / vth)}
 * (round half to even), so that {@code x ~ vth * s}.
 */
public final class SpikeCounts {
    private SpikeCounts() {}

    /** The threshold factor of the published checkpoint. */
    public static final float DEFAULT_K = 3f;
    public static final float MIN_THRESHOLD = 1e-5f;
    public static final float MAX_THRESHOLD = 1e4f;

    /**
     * Writes {@code counts[cOff + i] = rint(x[off + i] / vth)} for i in [0, n) and returns vth.
     * The reference computes mean(|x|) over fp32 tensors; here the sum is taken in double and the mean
     * rounded once to float, so it is the correctly rounded fp32 mean (the reference's own fp32
     * reduction may differ from it by an ulp, which can flip a count that sits exactly on a .5 tie).
     * x / vth is divided in float, as the fp32 reference does.
     */
    public static float encode(float[] x, int off, int n, float k, int[] counts, int cOff) {
        if (n < 1) {
            throw new IllegalArgumentException("SpikeCounts.encode: n must be at least 1, got " + n);
        }
        if (!(k > 0f) || Float.isInfinite(k)) {
            throw new IllegalArgumentException("SpikeCounts.encode: threshold factor k must be positive and finite, got " + k);
        }
        java.util.Objects.checkFromIndexSize(off, n, x.length);
        java.util.Objects.checkFromIndexSize(cOff, n, counts.length);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs(x[off + i]);
        }
        float vth = threshold((float) (sum / n), k);
        for (int i = 0; i < n; i++) {
            counts[cOff + i] = (int) Math.rint(x[off + i] / vth);
        }
        return vth;
    }

    /** clamp(meanAbs / k, 1e-5, 1e4), the division in float. */
    public static float threshold(float meanAbs, float k) {
        float v = meanAbs / k;
        // Math.max/min would pass NaN through; a NaN mean (NaN input) keeps NaN so the error surfaces downstream.
        return v < MIN_THRESHOLD ? MIN_THRESHOLD : (v > MAX_THRESHOLD ? MAX_THRESHOLD : v);
    }

    /** max |counts[off + i]| over [0, n). */
    public static int maxAbs(int[] counts, int off, int n) {
        java.util.Objects.checkFromIndexSize(off, n, counts.length);
        int m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.absExact(counts[off + i]));
        }
        return m;
    }
}
