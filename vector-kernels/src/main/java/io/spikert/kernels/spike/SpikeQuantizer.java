package io.spikert.kernels.spike;


/**
 * The W8ASpike quantisers of the SWA layer (MODEL.md section 4); the QuantLinear inputs are spiked by
 * {@link SpikeCounts} inside the spiking products.
 * <pre>
 * query:       vth = clamp(mean|q_h| / k, 1e-5, 1e4);  q_h' = vth * rint(q_h / vth)   (per token and head)
 * keys/values: scale = clamp(max|x| / 127, 1e-5, 1e4);  x' = clamp(rint(x / scale), -128, 127) * scale
 * </pre>
 */
public final class SpikeQuantizer {
    private static final float SCALE_MIN = 1e-5f;
    private static final float SCALE_MAX = 1e4f;

    private SpikeQuantizer() {}

    /** Replaces x by vth * s, the value its spike train carries. */
    public static void spikeInPlace(float[] x, int off, int n, float k, int[] countsScratch) {
        float vth = SpikeCounts.encode(x, off, n, k, countsScratch, 0);
        for (int i = 0; i < n; i++) {
            x[off + i] = vth * countsScratch[i];
        }
    }

    /** Replaces x by its symmetric int8 quantisation. */
    public static void int8InPlace(float[] x, int off, int n) {
        float max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(x[off + i]));
        }
        float scale = Math.clamp(max / 127f, SCALE_MIN, SCALE_MAX);
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) Math.clamp(Math.rint(x[off + i] / scale), -128, 127) * scale;
        }
    }
}
