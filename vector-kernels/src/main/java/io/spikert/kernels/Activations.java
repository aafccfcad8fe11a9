package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise activations used around the projections. */
public final class Activations {
    private Activations() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public static void relu(float[] x, int off, int n) {
        int vecEnd = F.loopBound(n);
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector.fromArray(F, x, off + i).max(0f).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = Math.max(x[off + i], 0f);
        }
    }

    /** x = logsigmoid(x) / divisor, computed as min(x,0) - log1p(exp(-|x|)) so neither tail overflows. */
    public static void logSigmoid(float[] x, int off, int n, float divisor) {
        float inv = 1f / divisor;
        int vecEnd = F.loopBound(n);
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            FloatVector soft = v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P);
            v.min(0f).sub(soft).mul(inv).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            float v = x[off + i];
            x[off + i] = (Math.min(v, 0f) - (float) Math.log1p(Math.exp(-Math.abs(v)))) * inv;
        }
    }

    public static void addBias(float[] x, int off, float[] bias, int bOff, int n) {
        int vecEnd = F.loopBound(n);
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector.fromArray(F, x, off + i).add(FloatVector.fromArray(F, bias, bOff + i)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] += bias[bOff + i];
        }
    }
}
