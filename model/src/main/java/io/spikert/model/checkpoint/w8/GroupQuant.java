package io.spikert.model.checkpoint.w8;

/**
 * Group-128 symmetric weight quantisation as W8ASpike defines it: one scale per output row and group of
 * 128 inputs, code = rint(W / s) divided in float (as the fp32 reference and {@code Int8Weights.quantize} do),
 * not clamped.
 */
public final class GroupQuant {
    /** The int8 part of a packed code is clamp(code, -127, 127); the rest is the outlier residual. */
    public static final int MAX_INT8 = 127;
    /** Codes beyond int16 cannot be packed (the published checkpoint reaches about +-200). */
    public static final int MAX_CODE = Short.MAX_VALUE;

    /** Element i (flat, row-major) of a weight, widened to float. */
    @FunctionalInterface
    public interface FloatAt {
        float at(long i);
    }

    private GroupQuant() {
    }

    /** The code of weight w under scale s: rint of the float quotient. */
    public static float code(float w, float s) {
        return (float) Math.rint(w / s);
    }

    public static int clampInt8(int code) {
        return Math.max(-MAX_INT8, Math.min(MAX_INT8, code));
    }

    /**
     * absmax(group) / 127 for row {@code r}, group {@code g} of a [rows, cols] weight; the codes then lie in
     * [-127, 127]. An all-zero (or subnormal) group gets the smallest normal float, so every scale is positive
     * as the loader requires and the group's codes stay 0.
     */
    public static float absmaxScale(String name, FloatAt w, long cols, long r, long g) {
        float max = 0f;
        long base = r * cols + g * W8ASpikeFormat.GROUP;
        for (int i = 0; i < W8ASpikeFormat.GROUP; i++) {
            float v = Math.abs(w.at(base + i));
            if (!(v <= Float.MAX_VALUE)) {
                throw new IllegalArgumentException("tensor " + name + ": non-finite weight " + w.at(base + i)
                        + " at row " + r + ", column " + (g * W8ASpikeFormat.GROUP + i));
            }
            max = Math.max(max, v);
        }
        float s = max / 127f;
        return s >= Float.MIN_NORMAL ? s : Float.MIN_NORMAL;
    }
}
