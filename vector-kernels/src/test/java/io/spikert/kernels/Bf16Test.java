package io.spikert.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** BF16 rounding against BigDecimal nearest-even, and the three-way split summed exactly. */
class Bf16Test {
    /** The nearest BF16 value by exact decimal arithmetic, ties to the even mantissa: an independent reference. */
    static float nearest(float f) {
        int b = Float.floatToRawIntBits(f);
        float down = Float.intBitsToFloat(b & 0xFFFF0000);                    // toward zero
        float up = Float.intBitsToFloat((b & 0xFFFF0000) + 0x10000);           // away from zero
        BigDecimal x = new BigDecimal(f), d = new BigDecimal(down), u = new BigDecimal(up);
        int c = x.subtract(d).abs().compareTo(u.subtract(x).abs());
        if (c < 0 || (b & 0xFFFF) == 0) {
            return down;
        }
        if (c > 0) {
            return up;
        }
        return ((b >>> 16) & 1) == 0 ? down : up;
    }

    @Test
    void roundsToNearestEven() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt()) ;
            if (!Float.isFinite(f) || Math.abs(f) > 3e38f) {
                continue;
            }
            assertEquals(nearest(f), Bf16.round(f), "round(" + f + ")");
        }
        assertEquals(1f, Bf16.round(Float.intBitsToFloat(0x3F808000)), "a tie goes to the even mantissa");
        assertEquals(Float.intBitsToFloat(0x3F820000), Bf16.round(Float.intBitsToFloat(0x3F818000)), "tie, odd below");
        assertTrue(Float.isNaN(Bf16.round(Float.intBitsToFloat(0x7F800001))), "a NaN with a low payload stays NaN");
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.round(-Float.MAX_VALUE), "beyond BF16's largest value");
    }

    @Test
    void threePartsSumToTheValueExactly() {
        SplittableRandom r = new SplittableRandom(4);
        int n = 50_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-30, 30)));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(3L * n * 2);
            Bf16.storeSplit(x, 0, n, out, 0, n);
            for (int i = 0; i < n; i++) {
                double hi = Bf16.value(out.getAtIndex(ValueLayout.JAVA_SHORT, i));
                double mid = Bf16.value(out.getAtIndex(ValueLayout.JAVA_SHORT, n + i));
                double lo = Bf16.value(out.getAtIndex(ValueLayout.JAVA_SHORT, 2L * n + i));
                assertEquals((double) x[i], hi + mid + lo, 0.0, "x[" + i + "] = " + x[i]);
                assertEquals(Bf16.round(x[i]), (float) hi, "hi is the rounded value");
            }
        }
    }
    /** The vector loops of store and storeSplit give the scalar definition's bits on every kind of value. */
    @Test
    void vectorLoopsMatchTheScalarDefinition() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 1003; // vector lanes and a scalar tail
        float[] x = new float[n + 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 9) {
                case 0 -> Float.intBitsToFloat(r.nextInt());                         // any pattern: NaNs, infinities, subnormals
                case 1 -> Float.intBitsToFloat(0x3F800000 | (r.nextInt(0x80) << 16) | 0x8000); // exact ties, odd and even
                case 2 -> Float.NaN;
                case 3 -> r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                case 4 -> -Float.MAX_VALUE;
                case 5 -> Float.MIN_VALUE * r.nextInt(1, 1000);
                default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-20, 20)));
            };
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(2L * (n + 1));
            MemorySegment three = arena.allocate(2L * 3 * n + 2);
            Bf16.store(x, 2, n, one, 1);
            Bf16.storeSplit(x, 2, n, three, 1, n);
            for (int i = 0; i < n; i++) {
                float v = x[2 + i];
                short hi = Bf16.bits(v);
                float rest = Float.isFinite(v) ? v - Bf16.value(hi) : 0f;
                short mid = Bf16.bits(rest);
                short lo = Bf16.bits(Float.isFinite(rest) ? rest - Bf16.value(mid) : 0f); // rounding to infinity: the rest is 0
                String at = "x[" + i + "] = " + v + " (0x" + Integer.toHexString(Float.floatToRawIntBits(v)) + ")";
                assertEquals(hi, one.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 1 + i), "store " + at);
                assertEquals(hi, three.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 1 + i), "hi " + at);
                assertEquals(mid, three.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 1 + n + i), "mid " + at);
                assertEquals(lo, three.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 1 + 2L * n + i), "lo " + at);
            }
        }
    }

    /** One or two parts are the leading parts of the three, and what they leave out is at most 2^-8 or 2^-16 of x. */
    @Test
    void fewerPartsAreTheLeadingOnes() {
        SplittableRandom r = new SplittableRandom(6);
        int n = 777; // vector pairs and a scalar tail
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(-40, 40)));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment three = arena.allocate(3L * n * 2);
            Bf16.storeSplit(x, 0, n, three, 0, n);
            for (int parts = 1; parts <= 2; parts++) {
                MemorySegment some = arena.allocate((long) parts * n * 2);
                Bf16.storeParts(x, 0, n, parts, some, 0, n);
                for (int i = 0; i < n; i++) {
                    double sum = 0;
                    for (int p = 0; p < parts; p++) {
                        short bits = some.getAtIndex(ValueLayout.JAVA_SHORT, (long) p * n + i);
                        assertEquals(three.getAtIndex(ValueLayout.JAVA_SHORT, (long) p * n + i), bits, "part " + p + " of x[" + i + "]");
                        sum += Bf16.value(bits);
                    }
                    assertTrue(Math.abs(x[i] - sum) <= Math.abs(x[i]) * Math.pow(2, -8 * parts),
                            parts + " parts of " + x[i] + " leave " + (x[i] - sum));
                }
            }
        }
    }
}
