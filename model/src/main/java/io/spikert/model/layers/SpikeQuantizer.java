package io.spikert.model.layers;

/**
 * The W8ASpike activation quantisers of MODEL.md section 4.
 * <pre>
 * spike:  vth = clamp(mean|x| / k, 1e-5, 1e4);  s = rint(x / vth)          (round half to even)
 * int8:   scale = clamp(max|x| / 127, 1e-5, 1e4);  x' = clamp(rint(x / scale), -128, 127) * scale
 * </pre>
 * Thresholds are formed in double: a count is a rounding, and one flipped count moves the logits
 * by percents, so the runtime keeps x / vth as close to the exact quotient as it can.
 */
public final class SpikeQuantizer {
    static final double VTH_MIN = 1e-5;
    static final double VTH_MAX = 1e4;

    private SpikeQuantizer() {}

    /** The adaptive threshold of one token's {@code n} features. */
    public static double threshold(float[] x, int off, int n, float k) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs(x[off + i]);
        }
        return Math.clamp(sum / n / k, VTH_MIN, VTH_MAX);
    }

    /** Writes the integer spike counts of x (as floats) to {@code counts}; returns vth. */
    public static double spikeCounts(float[] x, int off, int n, float k, float[] counts, int cOff) {
        double vth = threshold(x, off, n, k);
        for (int i = 0; i < n; i++) {
            counts[cOff + i] = (float) Math.rint(x[off + i] / vth);
        }
        return vth;
    }

    /** Replaces x by vth * s, the value the spike train carries (the SWA query). */
    public static void spikeInPlace(float[] x, int off, int n, float k) {
        double vth = threshold(x, off, n, k);
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) (vth * Math.rint(x[off + i] / vth));
        }
    }

    /** Replaces x by its symmetric int8 quantisation (the SWA keys and values). */
    public static void int8InPlace(float[] x, int off, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(x[off + i]));
        }
        double scale = Math.clamp(max / 127, VTH_MIN, VTH_MAX);
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) (Math.clamp(Math.rint(x[off + i] / scale), -128, 127) * scale);
        }
    }
}
