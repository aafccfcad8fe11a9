package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp and log1p over float arrays, their vector parts from lane-wise adds, multiplies, fused multiply-adds and bit
 * operations only, so that every tier computes the same bits (the scalar tails call {@link Math}, which every tier
 * computes alike).
 *
 * <p>{@code lanewise(EXP)} and {@code lanewise(LOG1P)} are not that: C2 calls a vector math library (SVML) for them
 * while the interpreter and C1 call {@link Math} lane by lane, which round differently, so a model's logits changed
 * in their last bits as the JIT compiled it. These are the Cephes single-precision algorithms (Cody-Waite range
 * reduction, a minimax polynomial on the reduced argument), each within one ulp of the exact result (VectorMathTest,
 * over every 61st float of each one's range: 0.96 ulp at worst for exp, 0.84 for log1p).
 *
 * <p>Arrays in, arrays out: a call that C2 does not inline passes its vectors as heap objects, so a vector-typed
 * helper called from a kernel too big for C2's inlining budget made that kernel several times slower (measured:
 * docs/PERFORMANCE.md, "Fixed-order arithmetic"). Here the
 * loop and the vector code are one small method, which C2 compiles as a whole.
 */
public final class VectorMath {
    private VectorMath() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    // Constants as vectors in static finals, which C2 can load (and hoist out of the loop) rather than broadcast each
    // one from a general register at every use.
    /** Past these exp(x) is +inf and 0 (below -104 it is under half the smallest subnormal). */
    private static final FloatVector EXP_MIN = c(-104f);
    private static final FloatVector EXP_MAX = c(89f);
    private static final FloatVector LOG2E = c(1.44269504088896341f);
    /**
     * 1.5 x 2^23: a float of magnitude below 2^22 plus this rounds to an integer n (ties to even), and the sum's bits
     * are this one's plus n.
     */
    private static final FloatVector ROUNDER = c(12582912f);
    private static final int ROUNDER_BITS = 0x4b400000;
    /** -ln 2 in two parts: the high part has 9 significant bits, so n x LN2_HI is exact for |n| < 2^15. */
    private static final FloatVector MINUS_LN2_HI = c(-0.693359375f);
    private static final FloatVector MINUS_LN2_LO = c(2.12194440e-4f);
    private static final FloatVector LN2_HI = c(0.693359375f);
    private static final FloatVector LN2_LO = c(-2.12194440e-4f);
    private static final FloatVector ONE = c(1f);
    private static final FloatVector MINUS_HALF = c(-0.5f);
    private static final FloatVector SQRT_HALF = c(0.707106781186547524f);
    private static final FloatVector E0 = c(1.9875691500e-4f), E1 = c(1.3981999507e-3f), E2 = c(8.3334519073e-3f),
            E3 = c(4.1665795894e-2f), E4 = c(1.6666665459e-1f), E5 = c(5.0000001201e-1f);
    private static final FloatVector L0 = c(7.0376836292e-2f), L1 = c(-1.1514610310e-1f), L2 = c(1.1676998740e-1f),
            L3 = c(-1.2420140846e-1f), L4 = c(1.4249322787e-1f), L5 = c(-1.6668057665e-1f), L6 = c(2.0000714765e-1f),
            L7 = c(-2.4999993993e-1f), L8 = c(3.3333331174e-1f);

    private static FloatVector c(float value) {
        return FloatVector.broadcast(F, value);
    }

    /**
     * dst[dstOff + i] = e^src[srcOff + i] for i < n (dst may be src at the same offset): +inf past 88.72, 0 below
     * -103.97 (subnormals between), NaN for NaN.
     */
    public static void exp(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        int vecEnd = F.loopBound(n);
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            exp(FloatVector.fromArray(F, src, srcOff + i)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = (float) Math.exp(src[srcOff + i]);
        }
    }

    /**
     * dst[dstOff + i] = ln(1 + src[srcOff + i]) for i < n (dst may be src at the same offset), for values >= -1: -inf
     * at -1, NaN below it and for NaN, +inf for +inf, and the value itself where 1 + value rounds to 1.
     */
    public static void log1p(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        int vecEnd = F.loopBound(n);
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            log1p(FloatVector.fromArray(F, src, srcOff + i)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = (float) Math.log1p(src[srcOff + i]);
        }
    }

    private static FloatVector exp(FloatVector x) {
        FloatVector t = x.max(EXP_MIN).min(EXP_MAX);               // NaN stays NaN
        FloatVector shifted = t.fma(LOG2E, ROUNDER);               // 1.5 x 2^23 + round(t / ln 2)
        FloatVector n = shifted.sub(ROUNDER);                      // an integer in [-150, 128]
        FloatVector r = n.fma(MINUS_LN2_HI, t);
        r = n.fma(MINUS_LN2_LO, r);                                // t - n ln 2, about |r| <= ln2 / 2
        FloatVector p = r.fma(E0, E1);
        p = p.fma(r, E2);
        p = p.fma(r, E3);
        p = p.fma(r, E4);
        p = p.fma(r, E5);
        FloatVector y = p.mul(r.mul(r)).add(r).add(ONE);           // e^r
        // y x 2^n as y x 2^(n/2) x 2^(n - n/2): both factors are normal floats for n in [-150, 128], the first
        // product is exact, and only the second rounds (to a subnormal, or overflows to +inf).
        IntVector ni = shifted.reinterpretAsInts().sub(ROUNDER_BITS);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        return y.mul(powerOfTwo(half)).mul(powerOfTwo(ni.sub(half)));
    }

    /** 2^k for integers k in [-126, 127]. */
    private static FloatVector powerOfTwo(IntVector k) {
        return k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    private static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(ONE);
        // ln(1 + x) = ln(u) + (x - (u - 1)) / u to first order: the second term restores what rounding 1 + x lost.
        FloatVector lost = x.sub(u.sub(ONE)).div(u);
        // u = m x 2^e with m in [sqrt(1/2), sqrt(2)), from u's bits (u is normal or zero on the domain)
        IntVector bits = u.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(126);
        FloatVector m = bits.and(0x807fffff).or(0x3f000000).reinterpretAsFloats(); // in [0.5, 1)
        VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
        FloatVector f = m.add(m.blend(0f, low.not())).sub(ONE);                     // 2m - 1 where low, else m - 1
        FloatVector fe = ((FloatVector) e.convert(VectorOperators.I2F, 0)).sub(ONE.blend(0f, low.not()));
        FloatVector z = f.mul(f);
        FloatVector p = f.fma(L0, L1);
        p = p.fma(f, L2);
        p = p.fma(f, L3);
        p = p.fma(f, L4);
        p = p.fma(f, L5);
        p = p.fma(f, L6);
        p = p.fma(f, L7);
        p = p.fma(f, L8);
        FloatVector y = p.mul(f).mul(z);
        y = fe.fma(LN2_LO, y);
        y = z.fma(MINUS_HALF, y);
        y = y.add(lost);
        FloatVector result = fe.fma(LN2_HI, f.add(y));
        // the ends: u = 1 (x tiny or zero, kept with its sign), u = 0, u < 0, u = +inf; NaN passes through u
        result = result.blend(x, u.compare(VectorOperators.EQ, 1f));
        result = result.blend(Float.NEGATIVE_INFINITY, u.compare(VectorOperators.EQ, 0f));
        result = result.blend(Float.NaN, u.compare(VectorOperators.LT, 0f).or(u.test(VectorOperators.IS_NAN)));
        return result.blend(Float.POSITIVE_INFINITY, u.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
    }
}
