package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The SwiGLU gate: out = silu(gate) * up = gate * sigmoid(gate) * up; out may alias gate or up. */
public final class SwiGlu {
    private SwiGlu() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public static void siluMul(float[] gate, int gOff, float[] up, int uOff, float[] out, int oOff, int n) {
        int vecEnd = F.loopBound(n);
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            // g / (1 + e^-g): for very negative g the denominator is +inf and the result a signed zero, never NaN.
            FloatVector den = g.neg().lanewise(VectorOperators.EXP).add(1f);
            g.div(den).mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(out, oOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gOff + i];
            out[oOff + i] = g / (1f + (float) Math.exp(-g)) * up[uOff + i];
        }
    }
}
