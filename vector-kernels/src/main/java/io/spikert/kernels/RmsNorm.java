package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** RMS normalisation: out = x / sqrt(mean(x^2) + eps) * weight, all in fp32; out may alias x. */
public final class RmsNorm {
    private RmsNorm() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public static void apply(float[] x, int xOff, float[] weight, int wOff, float[] out, int outOff, int n, float eps) {
        int l = F.length();
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * l <= n; i += 2 * l) {
            FloatVector v0 = FloatVector.fromArray(F, x, xOff + i);
            FloatVector v1 = FloatVector.fromArray(F, x, xOff + i + l);
            a0 = v0.fma(v0, a0);
            a1 = v1.fma(v1, a1);
        }
        float ss = LaneSums.sum(a0.add(a1));
        for (; i < n; i++) {
            ss += x[xOff + i] * x[xOff + i];
        }
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        int vecEnd = F.loopBound(n);
        i = 0;
        for (; i < vecEnd; i += l) {
            FloatVector.fromArray(F, x, xOff + i).mul(inv).mul(FloatVector.fromArray(F, weight, wOff + i))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inv * weight[wOff + i];
        }
    }
}
