package io.spikert.kernels;

/**
 * Scalar twin of {@link VectorMath}: the same float operations in the same order, one value at a time, so the
 * vector code's bits can be checked exactly (and, since scalar float arithmetic is the same in every tier, that
 * the vector code's bits do not depend on the tier either).
 */
final class VectorMathScalar {
    private VectorMathScalar() {}

    static float exp(float x) {
        float t = Math.min(Math.max(x, -104f), 89f);
        float shifted = Math.fma(t, 1.44269504088896341f, 12582912f);
        float n = shifted - 12582912f;
        float r = Math.fma(n, -0.693359375f, t);
        r = Math.fma(n, 2.12194440e-4f, r);
        float p = Math.fma(r, 1.9875691500e-4f, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        float y = p * (r * r) + r + 1f;
        int ni = Float.floatToRawIntBits(shifted) - 0x4b400000;
        int half = ni >> 1;
        return y * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((ni - half + 127) << 23);
    }

    static float log1p(float x) {
        float u = x + 1f;
        if (Float.isNaN(u) || u < 0f) {
            return Float.NaN;
        }
        if (u == 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        if (u == 1f) {
            return x;
        }
        if (u == Float.POSITIVE_INFINITY) {
            return u;
        }
        float lost = (x - (u - 1f)) / u;
        int bits = Float.floatToRawIntBits(u);
        int e = ((bits >>> 23) & 0xff) - 126;
        float m = Float.intBitsToFloat((bits & 0x807fffff) | 0x3f000000);
        boolean low = m < 0.707106781186547524f;
        float f = m + (low ? m : 0f) - 1f;
        float fe = (float) e - (low ? 1f : 0f);
        float z = f * f;
        float p = Math.fma(f, 7.0376836292e-2f, -1.1514610310e-1f);
        p = Math.fma(p, f, 1.1676998740e-1f);
        p = Math.fma(p, f, -1.2420140846e-1f);
        p = Math.fma(p, f, 1.4249322787e-1f);
        p = Math.fma(p, f, -1.6668057665e-1f);
        p = Math.fma(p, f, 2.0000714765e-1f);
        p = Math.fma(p, f, -2.4999993993e-1f);
        p = Math.fma(p, f, 3.3333331174e-1f);
        float y = p * f * z;
        y = Math.fma(fe, -2.12194440e-4f, y);
        y = Math.fma(z, -0.5f, y);
        y = y + lost;
        return Math.fma(fe, 0.693359375f, f + y);
    }
}
