package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a float vector's lanes in one fixed order, whichever tier runs it.
 *
 * <p>{@code reduceLanes(ADD)} may add the lanes in any order, and it does not add them in one: the Java
 * implementation (interpreter, C1) adds them from lane 0 up, C2's intrinsic in another order, so a kernel's last
 * bits changed as the JIT compiled it. This sum folds the vector onto itself with lane-wise adds, which round the same
 * in every tier: lane i plus lane i ^ (n/2), then i ^ (n/4), ..., then i ^ 1; the total is lane 0. For 16 lanes,
 * {@code (((l0+l8)+(l4+l12))+((l2+l10)+(l6+l14))) + (((l1+l9)+(l5+l13))+((l3+l11)+(l7+l15)))}.
 */
public final class LaneSums {
    private LaneSums() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private static final VectorShuffle<Float> BY32 = fold(32);
    private static final VectorShuffle<Float> BY16 = fold(16);
    private static final VectorShuffle<Float> BY8 = fold(8);
    private static final VectorShuffle<Float> BY4 = fold(4);
    private static final VectorShuffle<Float> BY2 = fold(2);
    private static final VectorShuffle<Float> BY1 = fold(1);

    /** Length of the output array {@link #sums4} and {@link #sums8} write to (from its offset). */
    public static final int SUMS_LENGTH = Math.max(8, F.length());

    // Several vectors summed together, for 16 lanes: two-vector selects halve each vector's partial sums while
    // packing two vectors' worth into one, in the folding order above (i with i + 8, then + 4, + 2, + 1).
    private static final boolean PACKED = F.length() == 16;
    /** From a pair of 16-lane vectors: lanes 0-7 of each (LO) and lanes 8-15 of each (HI). */
    private static final FloatVector LO16 = indexes(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    private static final FloatVector HI16 = indexes(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    /** From a pair holding two groups of 8 partials each: lanes 0-3 of each group, and lanes 4-7. */
    private static final FloatVector LO8 = indexes(0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
    private static final FloatVector HI8 = indexes(4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    /** From a pair holding four groups of 4: lanes 0-1 of each group, and lanes 2-3. */
    private static final FloatVector LO4 = indexes(0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29);
    private static final FloatVector HI4 = indexes(2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
    /** From one vector of eight groups of 2: lane 0 of each group, and lane 1. */
    private static final FloatVector LO2 = indexes(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
    private static final FloatVector HI2 = indexes(1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15);

    private static FloatVector indexes(float... lanes) {
        return PACKED ? FloatVector.fromArray(F, lanes, 0) : null;
    }

    private static FloatVector fold(FloatVector lo, FloatVector hi, FloatVector a, FloatVector b) {
        return lo.selectFrom(a, b).add(hi.selectFrom(a, b));
    }

    /**
     * dst[off + k] = {@link #sum}(a_k) for k < 4, bit for bit, in fewer operations than four sums; writes
     * {@link #SUMS_LENGTH} floats from {@code off} (the ones past the four are undefined).
     */
    public static void sums4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] dst, int off) {
        if (!PACKED) {
            dst[off] = sum(a0);
            dst[off + 1] = sum(a1);
            dst[off + 2] = sum(a2);
            dst[off + 3] = sum(a3);
            return;
        }
        FloatVector groups4 = fold(LO8, HI8, fold(LO16, HI16, a0, a1), fold(LO16, HI16, a2, a3));
        FloatVector groups2 = fold(LO4, HI4, groups4, groups4);
        fold(LO2, HI2, groups2, groups2).intoArray(dst, off);
    }

    /**
     * dst[off + k] = {@link #sum}(a_k) for k < 8, bit for bit, in fewer operations than eight sums; writes
     * {@link #SUMS_LENGTH} floats from {@code off} (the ones past the eight are undefined).
     */
    public static void sums8(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, FloatVector a4,
                             FloatVector a5, FloatVector a6, FloatVector a7, float[] dst, int off) {
        if (!PACKED) {
            sums4(a0, a1, a2, a3, dst, off);
            dst[off + 4] = sum(a4);
            dst[off + 5] = sum(a5);
            dst[off + 6] = sum(a6);
            dst[off + 7] = sum(a7);
            return;
        }
        FloatVector first = fold(LO8, HI8, fold(LO16, HI16, a0, a1), fold(LO16, HI16, a2, a3));
        FloatVector second = fold(LO8, HI8, fold(LO16, HI16, a4, a5), fold(LO16, HI16, a6, a7));
        FloatVector groups2 = fold(LO4, HI4, first, second);
        fold(LO2, HI2, groups2, groups2).intoArray(dst, off);
    }

    private static VectorShuffle<Float> fold(int distance) {
        return distance < F.length() ? VectorShuffle.fromOp(F, i -> i ^ distance) : null;
    }

    /** The sum of the lanes of {@code v}, a vector of {@link FloatVector#SPECIES_PREFERRED}, in the order above. */
    public static float sum(FloatVector v) {
        int n = F.length();
        if (n > 32) {
            v = v.add(v.rearrange(BY32));
        }
        if (n > 16) {
            v = v.add(v.rearrange(BY16));
        }
        if (n > 8) {
            v = v.add(v.rearrange(BY8));
        }
        if (n > 4) {
            v = v.add(v.rearrange(BY4));
        }
        if (n > 2) {
            v = v.add(v.rearrange(BY2));
        }
        if (n > 1) {
            v = v.add(v.rearrange(BY1));
        }
        return v.lane(0);
    }

    /**
     * The same sum, in the same order, of the {@link FloatVector#SPECIES_PREFERRED} lanes stored at
     * {@code lanes[off..]}, in scalar code: for kernels too big for C2 to inline {@link #sum(FloatVector)} into
     * (a vector passed to a call that is not inlined is boxed on the heap), which store their accumulators first.
     */
    public static float sum(float[] lanes, int off) {
        int n = F.length();
        if (n == 16) {
            return sum16(lanes, off);
        }
        if (n == 8) {
            return sum8(lanes, off);
        }
        if (n == 4) {
            return (lanes[off] + lanes[off + 2]) + (lanes[off + 1] + lanes[off + 3]);
        }
        float[] v = java.util.Arrays.copyOfRange(lanes, off, off + n);
        for (int d = n / 2; d >= 1; d /= 2) {
            for (int i = 0; i < d; i++) {
                v[i] = v[i] + v[i + d];
            }
        }
        return v[0];
    }

    private static float sum8(float[] a, int o) {
        float s0 = a[o] + a[o + 4], s1 = a[o + 1] + a[o + 5], s2 = a[o + 2] + a[o + 6], s3 = a[o + 3] + a[o + 7];
        return (s0 + s2) + (s1 + s3);
    }

    private static float sum16(float[] a, int o) {
        float s0 = a[o] + a[o + 8], s1 = a[o + 1] + a[o + 9], s2 = a[o + 2] + a[o + 10], s3 = a[o + 3] + a[o + 11];
        float s4 = a[o + 4] + a[o + 12], s5 = a[o + 5] + a[o + 13], s6 = a[o + 6] + a[o + 14], s7 = a[o + 7] + a[o + 15];
        return ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
    }
}
