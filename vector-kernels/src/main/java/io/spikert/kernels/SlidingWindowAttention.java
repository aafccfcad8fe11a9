package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One query head against a ring-buffer cache of one kv head. The key (and value) of absolute position p
 * lives at row p % capacity of the cache, d floats starting at cacheOff + row * d.
 */
public final class SlidingWindowAttention {
    private SlidingWindowAttention() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * Attends positions firstPos..lastPos inclusive (lastPos - firstPos < capacity): scores (q.k_p) * scale,
     * softmax, out = sum_p w_p v_p. scratch must hold at least lastPos - firstPos + 1 floats.
     */
    public static void attend(float[] q, int qOff, int d, float scale, float[] keys, float[] values, int cacheOff, int capacity,
                              long firstPos, long lastPos, float[] scratch, float[] out, int outOff) {
        long count = lastPos - firstPos + 1;
        if (count < 1 || count > capacity || firstPos < 0) {
            throw new IllegalArgumentException("SlidingWindowAttention: positions " + firstPos + ".." + lastPos
                    + " must be non-empty, non-negative and span at most capacity " + capacity);
        }
        int n = (int) count;
        int l = F.length();
        int vecEnd = F.loopBound(d);
        int firstRow = (int) (firstPos % capacity);
        for (int p = 0; p < n; p++) {
            int row = firstRow + p;
            int base = cacheOff + (row >= capacity ? row - capacity : row) * d;
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i < vecEnd; i += l) {
                acc = FloatVector.fromArray(F, q, qOff + i).fma(FloatVector.fromArray(F, keys, base + i), acc);
            }
            float s = acc.reduceLanes(VectorOperators.ADD);
            for (; i < d; i++) {
                s += q[qOff + i] * keys[base + i];
            }
            scratch[p] = s * scale;
        }
        Softmax.inPlace(scratch, 0, n);
        int j = 0;
        for (; j < vecEnd; j += l) {
            FloatVector acc = FloatVector.zero(F);
            for (int p = 0; p < n; p++) {
                int row = firstRow + p;
                int base = cacheOff + (row >= capacity ? row - capacity : row) * d;
                acc = FloatVector.fromArray(F, values, base + j).fma(FloatVector.broadcast(F, scratch[p]), acc);
            }
            acc.intoArray(out, outOff + j);
        }
        for (; j < d; j++) {
            float s = 0;
            for (int p = 0; p < n; p++) {
                int row = firstRow + p;
                s += scratch[p] * values[cacheOff + (row >= capacity ? row - capacity : row) * d + j];
            }
            out[outOff + j] = s;
        }
    }
}
