package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Rotate-half rotary position embedding (MODEL.md section 3). */
public final class Rope {
    private Rope() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * cos[i], sin[i] for i < headDim/2 at absolute position {@code pos}. The angle is a float product of
     * (float) pos and the float inverse frequency, matching the reference implementation's rounding.
     */
    public static void angles(long pos, double theta, int headDim, float[] cos, float[] sin) {
        angles(pos, theta, headDim, cos, 0, sin, 0);
    }

    /** As {@link #angles(long, double, int, float[], float[])}, into cos[cosOff ..] and sin[sinOff ..]. */
    public static void angles(long pos, double theta, int headDim, float[] cos, int cosOff, float[] sin, int sinOff) {
        int half = headDim / 2;
        float p = (float) pos;
        for (int i = 0; i < half; i++) {
            float invFreq = (float) (1.0 / Math.pow(theta, 2.0 * i / headDim));
            float angle = p * invFreq;
            cos[cosOff + i] = (float) Math.cos(angle);
            sin[sinOff + i] = (float) Math.sin(angle);
        }
    }

    /** Rotates numHeads consecutive heads of headDim starting at x[off], in place. */
    public static void rotateHalf(float[] x, int off, int numHeads, int headDim, float[] cos, float[] sin) {
        rotateHalf(x, off, numHeads, headDim, cos, 0, sin, 0);
    }

    /** As {@link #rotateHalf(float[], int, int, int, float[], float[])} with the angles at cos[cosOff ..], sin[sinOff ..]. */
    public static void rotateHalf(float[] x, int off, int numHeads, int headDim, float[] cos, int cosOff, float[] sin,
                                  int sinOff) {
        int half = headDim / 2;
        int vecEnd = F.loopBound(half);
        for (int h = 0; h < numHeads; h++) {
            int lo = off + h * headDim;
            int hi = lo + half;
            int i = 0;
            for (; i < vecEnd; i += F.length()) {
                FloatVector a = FloatVector.fromArray(F, x, lo + i);
                FloatVector b = FloatVector.fromArray(F, x, hi + i);
                FloatVector c = FloatVector.fromArray(F, cos, cosOff + i);
                FloatVector s = FloatVector.fromArray(F, sin, sinOff + i);
                a.mul(c).sub(b.mul(s)).intoArray(x, lo + i);
                b.mul(c).add(a.mul(s)).intoArray(x, hi + i);
            }
            for (; i < half; i++) {
                float a = x[lo + i];
                float b = x[hi + i];
                x[lo + i] = a * cos[cosOff + i] - b * sin[sinOff + i];
                x[hi + i] = b * cos[cosOff + i] + a * sin[sinOff + i];
            }
        }
    }
}
