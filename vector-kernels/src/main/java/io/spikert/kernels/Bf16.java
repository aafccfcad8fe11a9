package io.spikert.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * BF16 activations: rounding FP32 to BF16 (round to nearest, ties to even; NaN stays a quiet NaN) and the
 * exact three-way split {@code x = hi + mid + lo} of an FP32 value into BF16 values, which lets a BF16 product
 * engine compute an FP32-activation product: every part times a BF16 weight is exact in FP32.
 *
 * <p>Why three parts are exact: {@code hi} keeps the top 8 significant bits of x; {@code x - hi} is a
 * multiple of x's ulp below 2^-8 |x|, so at most 16 bits, exact in FP32; {@code mid} keeps 8 of them and
 * {@code x - hi - mid}, at most 8 bits, is a BF16 value. (Parts below FP32's normal range are the exception:
 * a value under 2^-110 in magnitude may lose bits there, as FP32 products of such values do anyway.)
 */
public final class Bf16 {
    private Bf16() {}

    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    /** {@link #bits} of every lane, as ints (the BF16 bits in the low 16). */
    private static IntVector bits(FloatVector f) {
        IntVector b = f.reinterpretAsInts();
        IntVector high = b.lanewise(VectorOperators.LSHR, 16);
        IntVector rounded = b.add(0x7FFF).add(high.and(1)).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = b.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000);
        return rounded.blend(high.or(0x0040), nan);
    }

    private static FloatVector value(IntVector bits) {
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static void storeLanes(IntVector bits, MemorySegment out, long at) {
        ((ShortVector) bits.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(out, at * 2, ByteOrder.nativeOrder());
    }

    /** {@link #F}'s lanes of BF16 values from {@code a[off]}, widened to floats (exactly). */
    public static FloatVector load(short[] a, int off) {
        return value((IntVector) ShortVector.fromArray(S, a, off).convertShape(VectorOperators.S2I, I, 0));
    }

    /** Rounds {@code n} floats of {@code x} from {@code xOff} to BF16 bits into {@code out} from {@code outOff}. */
    public static void store(float[] x, int xOff, int n, short[] out, int outOff) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            ((ShortVector) bits(FloatVector.fromArray(F, x, xOff + i)).convertShape(VectorOperators.I2S, S, 0))
                    .intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = bits(x[xOff + i]);
        }
    }

    /** Widens {@code n} BF16 values of {@code a} from {@code off} into {@code out} from {@code outOff}. */
    public static void widen(short[] a, int off, int n, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = value(a[off + i]);
        }
    }

    /** The BF16 bits nearest to {@code f} (ties to even). */
    public static short bits(float f) {
        int b = Float.floatToRawIntBits(f);
        if ((b & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((b >>> 16) | 0x0040); // NaN: keep the sign, make it quiet
        }
        return (short) ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16);
    }

    /** The float a BF16 value stands for. */
    public static float value(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** {@code f} rounded to the nearest BF16 value, as a float. */
    public static float round(float f) {
        return value(bits(f));
    }

    /** Rounds {@code n} floats of {@code a} from {@code off} to BF16 values, in place. */
    public static void roundInPlace(float[] a, int off, int n) {
        for (int i = off; i < off + n; i++) {
            a[i] = round(a[i]);
        }
    }

    /** Writes {@code n} floats of {@code x} from {@code xOff} as BF16 into {@code out} from element {@code at}. */
    public static void store(float[] x, int xOff, int n, MemorySegment out, long at) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            storeLanes(bits(FloatVector.fromArray(F, x, xOff + i)), out, at + i);
        }
        for (; i < n; i++) {
            out.setAtIndex(BF16, at + i, bits(x[xOff + i]));
        }
    }

    /**
     * Writes the three BF16 parts of {@code n} floats of {@code x}: {@code hi} from element {@code hiAt},
     * {@code mid} from {@code midAt}, {@code lo} from {@code loAt}, with {@code hi + mid + lo == x} exactly for
     * finite x of normal magnitude (see the class comment); a non-finite x goes whole into {@code hi}.
     */
    public static void storeSplit(float[] x, int xOff, int n, MemorySegment out, long hiAt, long midAt, long loAt) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            IntVector hi = bits(v);
            VectorMask<Float> finite = v.reinterpretAsInts().and(0x7F80_0000).compare(VectorOperators.NE, 0x7F80_0000)
                    .cast(F);
            FloatVector r = v.sub(value(hi)).blend(0f, finite.not());
            IntVector mid = bits(r);
            IntVector lo = bits(r.sub(value(mid)));
            storeLanes(hi, out, hiAt + i);
            storeLanes(mid, out, midAt + i);
            storeLanes(lo, out, loAt + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            short hi = bits(v);
            float r = Float.isFinite(v) ? v - value(hi) : 0f;
            short mid = bits(r);
            short lo = bits(r - value(mid));
            out.setAtIndex(BF16, hiAt + i, hi);
            out.setAtIndex(BF16, midAt + i, mid);
            out.setAtIndex(BF16, loAt + i, lo);
        }
    }
}
