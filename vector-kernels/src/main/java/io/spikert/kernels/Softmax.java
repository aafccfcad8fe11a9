package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Numerically stable softmax (the maximum is subtracted before exponentiating). */
public final class Softmax {
    private Softmax() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public static void inPlace(float[] x, int off, int n) {
        int l = F.length();
        int vecEnd = F.loopBound(n);
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < vecEnd; i += l) {
            mv = mv.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        i = 0;
        for (; i < vecEnd; i += l) {
            FloatVector.fromArray(F, x, off + i).sub(max).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] -= max;
        }
        VectorMath.exp(x, off, x, off, n);
        FloatVector sv = FloatVector.zero(F);
        i = 0;
        for (; i < vecEnd; i += l) {
            sv = sv.add(FloatVector.fromArray(F, x, off + i));
        }
        float sum = LaneSums.sum(sv);
        for (; i < n; i++) {
            sum += x[off + i];
        }
        float inv = 1f / sum;
        i = 0;
        for (; i < vecEnd; i += l) {
            FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= inv;
        }
    }
}
