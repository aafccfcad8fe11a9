package io.spikert.bench.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Weight segments and the memory-read baseline shared by the kernel benchmarks. */
final class BenchData {
    private BenchData() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** A 64-byte aligned native matrix of rows x cols random weights, F32 or BF16 ("F32"/"BF16"). */
    static MemorySegment weights(Arena arena, String dtype, int rows, int cols, long seed) {
        int bytes = switch (dtype) {
            case "F32" -> 4;
            case "BF16" -> 2;
            default -> throw new IllegalArgumentException("dtype must be F32 or BF16, got " + dtype);
        };
        long n = (long) rows * cols;
        MemorySegment w = arena.allocate(n * bytes, 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT.withOrder(LE);
        ValueLayout.OfShort bf16 = ValueLayout.JAVA_SHORT.withOrder(LE);
        for (long i = 0; i < n; i++) {
            float v = (float) (rnd.nextDouble() * 2 - 1) * 0.05f;
            if (bytes == 4) {
                w.setAtIndex(f32, i, v);
            } else {
                w.setAtIndex(bf16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
            }
        }
        return w;
    }

    static float[] randoms(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Sums every byte of {@code seg} read as floats: the read bandwidth any kernel over it can hope for. */
    /** n standard normal floats from rnd. */
    static float[] gaussians(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    /** A count of positions as an argument gives it: 4096, 64k (x 1024) or 1m (x 1048576). */
    static int positions(String s) {
        String t = s.trim().toLowerCase();
        if (t.endsWith("m")) {
            return Integer.parseInt(t.substring(0, t.length() - 1)) << 20;
        }
        if (t.endsWith("k")) {
            return Integer.parseInt(t.substring(0, t.length() - 1)) << 10;
        }
        return Integer.parseInt(t);
    }

    static float vectorSum(MemorySegment seg) {
        long size = seg.byteSize();
        long step = 4L * F.vectorByteSize();
        long end = size - size % step;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int vb = F.vectorByteSize();
        for (long o = 0; o < end; o += step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, seg, o, LE));
            a1 = a1.add(FloatVector.fromMemorySegment(F, seg, o + vb, LE));
            a2 = a2.add(FloatVector.fromMemorySegment(F, seg, o + 2L * vb, LE));
            a3 = a3.add(FloatVector.fromMemorySegment(F, seg, o + 3L * vb, LE));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Twelve independent FMA chains on registers for {@code iterations} steps:
     * 12 * lanes * 2 * iterations flops, the FP32 peak Java code can reach on one core.
     */
    static float fmaPeak(float[] seed, int iterations) {
        FloatVector m = FloatVector.fromArray(F, seed, 0);
        FloatVector b = FloatVector.fromArray(F, seed, F.length());
        FloatVector a0 = m, a1 = b, a2 = m.neg(), a3 = b.neg(), a4 = m.mul(0.5f), a5 = b.mul(0.5f);
        FloatVector a6 = m.mul(0.25f), a7 = b.mul(0.25f), a8 = m.mul(0.125f), a9 = b.mul(0.125f), a10 = m.mul(2f), a11 = b.mul(2f);
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(m, b);
            a1 = a1.fma(m, b);
            a2 = a2.fma(m, b);
            a3 = a3.fma(m, b);
            a4 = a4.fma(m, b);
            a5 = a5.fma(m, b);
            a6 = a6.fma(m, b);
            a7 = a7.fma(m, b);
            a8 = a8.fma(m, b);
            a9 = a9.fma(m, b);
            a10 = a10.fma(m, b);
            a11 = a11.fma(m, b);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
