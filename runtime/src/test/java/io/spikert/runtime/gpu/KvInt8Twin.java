package io.spikert.runtime.gpu;

/**
 * The fake GPU's twin of {@code int8_quantize}: W8ASpike's per-row symmetric int8 quantisation of SWA
 * keys and values (MODEL.md section 4). Written out here because no vector-kernels class has it (the CPU
 * model's own is {@code layers.SpikeQuantizer}, which the runtime cannot see); the model's device tests
 * check the two against each other through the logits.
 */
final class KvInt8Twin {
    private static final float SCALE_MIN = 1e-5f;
    private static final float SCALE_MAX = 1e4f;

    private KvInt8Twin() {}

    /** x[off .. off + n) = clamp(rint(x / scale), -128, 127) * scale, scale = clamp(max|x| / 127, 1e-5, 1e4). */
    static void quantize(float[] x, int off, int n) {
        float max = 0;
        for (int i = off; i < off + n; i++) {
            max = Math.max(max, Math.abs(x[i]));
        }
        float scale = Math.min(SCALE_MAX, Math.max(SCALE_MIN, max / 127f));
        for (int i = off; i < off + n; i++) {
            float code = (float) Math.rint(x[i] / scale);
            x[i] = Math.min(127f, Math.max(-128f, code)) * scale;
        }
    }
}
