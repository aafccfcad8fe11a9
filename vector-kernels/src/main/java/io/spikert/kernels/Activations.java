package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
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

    /** Values per pass of {@link #logSigmoid}: log1p(exp(-|x|)) goes to a scratch block of this many first. */
    private static final int BLOCK = 1024;

    /** x = logsigmoid(x) / divisor, computed as min(x,0) - log1p(exp(-|x|)) so neither tail overflows. */
    public static void logSigmoid(float[] x, int off, int n, float divisor) {
        float inv = 1f / divisor;
        float[] soft = Scratch.floats(BLOCK);
        for (int b = 0; b < n; b += BLOCK) {
            logSigmoidBlock(x, off + b, Math.min(BLOCK, n - b), inv, soft);
        }
    }

    private static void logSigmoidBlock(float[] x, int off, int n, float inv, float[] soft) {
        int vecEnd = F.loopBound(n);
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector.fromArray(F, x, off + i).abs().neg().intoArray(soft, i);
        }
        for (; i < n; i++) {
            soft[i] = -Math.abs(x[off + i]);
        }
        VectorMath.exp(soft, 0, soft, 0, n);
        VectorMath.log1p(soft, 0, soft, 0, n);
        i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector.fromArray(F, x, off + i).min(0f).sub(FloatVector.fromArray(F, soft, i)).mul(inv)
                    .intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = (Math.min(x[off + i], 0f) - soft[i]) * inv;
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
