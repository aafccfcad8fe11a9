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
 * <p>Why three parts are exact: {@code hi} keeps the top 8 significant bits of x (rounded); {@code x - hi} is a
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
        return roundedHigh(f).lanewise(VectorOperators.LSHR, 16);
    }

    private static FloatVector value(IntVector bits) {
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
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
        storeParts(x, xOff, n, 1, out, at, 0);
    }

    /**
     * Writes the three BF16 parts of {@code n} floats of {@code x}: part p (hi, mid, lo) of float i at element
     * {@code at + p * partStride + i}, with {@code hi + mid + lo == x} exactly for finite x of normal magnitude (see
     * the class comment); a non-finite x goes whole into {@code hi}.
     */
    public static void storeSplit(float[] x, int xOff, int n, MemorySegment out, long at, long partStride) {
        storeParts(x, xOff, n, 3, out, at, partStride);
    }

    /**
     * The first {@code parts} (1 to 3) of {@link #storeSplit}'s parts of {@code n} floats of {@code x}, part p of float
     * i at element {@code at + p * partStride + i}: one part is {@link #store}'s rounding; what one or two parts leave
     * out is at most 2^-8 or 2^-16 of x.
     */
    public static void storeParts(float[] x, int xOff, int n, int parts, MemorySegment out, long at, long partStride) {
        if (parts < 1 || parts > 3) {
            throw new IllegalArgumentException("BF16 parts of a float: 1 to 3, got " + parts);
        }
        java.util.Objects.checkFromIndexSize(xOff, n, x.length);
        int i = 0;
        int step = 2 * F.length();
        for (int bound = n - n % step; i < bound; i += step) {
            FloatVector a = FloatVector.fromArray(F, x, xOff + i);
            FloatVector b = FloatVector.fromArray(F, x, xOff + i + F.length());
            for (int p = 0; p < parts; p++) {
                IntVector hiA = roundedHigh(a);
                IntVector hiB = roundedHigh(b);
                storePair(hiA, hiB, out, at + p * partStride + i);
                if (p + 1 < parts) {
                    a = rest(a, hiA);
                    b = rest(b, hiB);
                }
            }
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            for (int p = 0; p < parts; p++) {
                short hi = bits(v);
                out.setAtIndex(BF16, at + p * partStride + i, hi);
                v = Float.isFinite(v) ? v - value(hi) : 0f;
            }
        }
    }

    private static final IntVector HIGH_BITS = IntVector.broadcast(I, 0xFFFF_0000);
    private static final IntVector ROUNDING = IntVector.broadcast(I, 0x7FFF);
    private static final IntVector ONE = IntVector.broadcast(I, 1);
    private static final IntVector MAGNITUDE = IntVector.broadcast(I, 0x7FFF_FFFF);
    private static final IntVector INFINITY = IntVector.broadcast(I, 0x7F80_0000);
    private static final IntVector QUIET = IntVector.broadcast(I, 0x0040_0000);
    private static final IntVector ZERO = IntVector.zero(I);

    /** v - hi, or 0 where v is not finite (it went whole into hi). */
    private static FloatVector rest(FloatVector v, IntVector hi) {
        VectorMask<Integer> notFinite = v.reinterpretAsInts().and(INFINITY).compare(VectorOperators.EQ, INFINITY);
        return v.sub(hi.reinterpretAsFloats()).reinterpretAsInts().blend(ZERO, notFinite).reinterpretAsFloats();
    }

    /** {@link #bits} of every lane in the high half of an int, the low half zero. */
    private static IntVector roundedHigh(FloatVector f) {
        IntVector b = f.reinterpretAsInts();
        IntVector rounded = b.add(ROUNDING).add(b.lanewise(VectorOperators.LSHR, 16).and(ONE)).and(HIGH_BITS);
        VectorMask<Integer> nan = b.and(MAGNITUDE).compare(VectorOperators.GT, INFINITY);
        return rounded.blend(b.and(HIGH_BITS).or(QUIET), nan);
    }

    /** Shorts of a vector as wide as F: 2 x F's lanes. */
    private static final VectorSpecies<Short> PAIR = VectorSpecies.of(short.class, F.vectorShape());
    /** Lane i picks the high half of int i of the two vectors a, b seen as one (a's ints first). */
    private static final ShortVector HIGH_HALVES = highHalves();

    private static ShortVector highHalves() {
        short[] index = new short[PAIR.length()];
        int high = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 1 : 0;
        for (int i = 0; i < index.length; i++) {
            index[i] = (short) (2 * i + high);
        }
        return ShortVector.fromArray(PAIR, index, 0);
    }

    /** Stores the high halves of a's then b's ints as 2 x F's lanes of BF16 from element {@code at} (one two-vector permute). */
    private static void storePair(IntVector a, IntVector b, MemorySegment out, long at) {
        HIGH_HALVES.selectFrom(a.reinterpretAsShorts(), b.reinterpretAsShorts()).intoMemorySegment(out, at * 2,
                ByteOrder.nativeOrder());
    }
}
