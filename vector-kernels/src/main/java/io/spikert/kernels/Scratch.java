package io.spikert.kernels;

/**
 * Per-thread scratch arrays for kernels that repack an operand once per call. Each thread owns its
 * buffers, so kernels stay safe to call from any number of threads; a buffer only ever grows.
 * Slots: 0 MatVec.bf16 (split x), GlaChunk (work space), SwiGlu and Activations.logSigmoid (exp blocks), 1-3 MatMul. No kernel calls another
 * kernel while it holds a slot, so sharing slot 0 is safe.
 */
final class Scratch {
    private Scratch() {}

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[4][0]);

    /** Scratch slot 0: at least n floats, contents undefined. */
    static float[] floats(int n) {
        return floats(0, n);
    }

    /** Scratch slot {@code slot} (0..3): at least n floats, contents undefined. */
    static float[] floats(int slot, int n) {
        float[][] b = BUFFERS.get();
        if (b[slot].length < n) {
            b[slot] = new float[Math.max(n, b[slot].length + b[slot].length / 2)];
        }
        return b[slot];
    }
}
