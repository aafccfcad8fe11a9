package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The SwiGLU gate: out = silu(gate) * up = gate * sigmoid(gate) * up; out may alias gate or up. */
public final class SwiGlu {
    private SwiGlu() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Values per pass: e^-gate goes to a scratch block of this many first (out may alias gate or up). */
    private static final int BLOCK = 1024;

    public static void siluMul(float[] gate, int gOff, float[] up, int uOff, float[] out, int oOff, int n) {
        float[] e = Scratch.floats(BLOCK);
        for (int b = 0; b < n; b += BLOCK) {
            block(gate, gOff + b, up, uOff + b, out, oOff + b, Math.min(BLOCK, n - b), e);
        }
    }

    private static void block(float[] gate, int gOff, float[] up, int uOff, float[] out, int oOff, int n, float[] e) {
        int vecEnd = F.loopBound(n);
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector.fromArray(F, gate, gOff + i).neg().intoArray(e, i);
        }
        for (; i < n; i++) {
            e[i] = -gate[gOff + i];
        }
        VectorMath.exp(e, 0, e, 0, n);
        // g / (1 + e^-g): for very negative g the denominator is +inf and the result a signed zero, never NaN.
        i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            FloatVector den = FloatVector.fromArray(F, e, i).add(1f);
            g.div(den).mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(out, oOff + i);
        }
        for (; i < n; i++) {
            out[oOff + i] = gate[gOff + i] / (1f + e[i]) * up[uOff + i];
        }
    }
}
