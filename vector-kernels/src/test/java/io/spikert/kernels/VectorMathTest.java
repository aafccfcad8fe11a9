package io.spikert.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorMath} against {@link Math} (accuracy, in units in the last place of the exact result, which Math's
 * double results stand in for) and
 * against its scalar twin (bit for bit), over a sweep of float bit patterns across each function's range and the
 * special values.
 */
class VectorMathTest {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Every 61st float: about 35 million values for exp, each binade and both signs covered densely. */
    private static final int STRIDE = 61;

    @Test
    void expIsWithinOneUlpOfTheExactValueAndEqualsItsTwin() {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
                -Float.MIN_VALUE, 88.72283f, 88.72284f, 89f, 1000f, -87.33655f, -103.97208f, -103.97209f, -104f, -1e4f,
                1f, -1f, 0.34657359f, -0.34657359f};
        double worst = check(VectorMath::exp, VectorMathScalar::exp, Math::exp, special, -104.5f, 89.5f);
        assertTrue(worst <= 1, "exp: worst error " + worst + " ulp");
    }

    @Test
    void theArrayFormsTakeTheirTailsFromMathAndMayWorkInPlace() {
        int n = 3 * F.length() + 5;
        float[] x = new float[n + 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i - 20) * 0.37f;
        }
        float[] out = new float[n + 2];
        VectorMath.exp(x, 3, out, 1, n);
        float[] inPlace = x.clone();
        VectorMath.exp(inPlace, 3, inPlace, 3, n);
        for (int i = 0; i < n; i++) {
            float want = i < n - 5 ? VectorMathScalar.exp(x[3 + i]) : (float) Math.exp(x[3 + i]);
            assertEquals(want, out[1 + i], "exp at " + i);
            assertEquals(want, inPlace[3 + i], "exp in place at " + i);
        }
        assertEquals(0f, out[0]);
        assertEquals(0f, out[n + 1]);
        assertEquals(x[2], inPlace[2]);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i * 0.11f;
        }
        float[] logs = new float[n];
        VectorMath.log1p(y, 0, logs, 0, n);
        for (int i = 0; i < n; i++) {
            float want = i < n - 5 ? VectorMathScalar.log1p(y[i]) : (float) Math.log1p(y[i]);
            assertEquals(want, logs[i], "log1p at " + i);
        }
    }

    @Test
    void log1pIsWithinOneUlpOfTheExactValueAndEqualsItsTwin() {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
                -Float.MIN_VALUE, 1e-30f, -1e-30f, 5.9604645e-8f, 1f, -1f, -1.0000001f, -0.99999994f, -0.5f, 0.41421357f,
                -0.29289323f, Float.MAX_VALUE, 3e38f, -2f};
        double worst = check(VectorMath::log1p, VectorMathScalar::log1p, Math::log1p, special, -1f, Float.MAX_VALUE);
        assertTrue(worst <= 1, "log1p: worst error " + worst + " ulp");
    }

    /** Every STRIDE-th float in [lo, hi] and the special values; returns the worst error in ulp. */
    private static double check(ArrayOp vector, FloatUnary twin, DoubleUnaryOperator exact,
                                float[] special, float lo, float hi) {
        var batch = new Batch(vector, twin, exact);
        for (float s : special) {
            batch.add(s);
        }
        for (long bits = Float.floatToRawIntBits(-0f); bits <= 0xffffffffL; bits += STRIDE) {
            float x = Float.intBitsToFloat((int) bits);
            if (x < lo) {
                break;
            }
            batch.add(x);
        }
        for (int bits = 0; bits >= 0; bits += STRIDE) {
            float x = Float.intBitsToFloat(bits);
            if (x > hi || Float.isNaN(x)) {
                break;
            }
            batch.add(x);
        }
        batch.flush();
        assertTrue(batch.count > 1_000_000, "swept " + batch.count);
        return batch.worst;
    }

    /** Inputs gathered a vector at a time, each vector's lanes checked against the twin and the exact value. */
    private static final class Batch {
        final ArrayOp vector;
        final FloatUnary twin;
        final DoubleUnaryOperator exact;
        final float[] in = new float[F.length()];
        final float[] out = new float[F.length()];
        int filled;
        long count;
        double worst;

        Batch(ArrayOp vector, FloatUnary twin, DoubleUnaryOperator exact) {
            this.vector = vector;
            this.twin = twin;
            this.exact = exact;
        }

        void add(float x) {
            in[filled++] = x;
            if (filled == in.length) {
                flush();
            }
        }

        void flush() {
            if (filled == 0) {
                return;
            }
            for (int i = filled; i < in.length; i++) {
                in[i] = in[0];
            }
            vector.apply(in, 0, out, 0, in.length);
            for (int i = 0; i < filled; i++) {
                lane(in[i], out[i]);
            }
            count += filled;
            filled = 0;
        }

        private void lane(float x, float got) {
            float expected = twin.apply(x);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                    () -> "at " + x + " the vector gives " + got + ", its scalar twin " + expected);
            double e = exact.applyAsDouble(x);
            float rounded = (float) e;
            if (Float.isNaN(rounded) || Float.isInfinite(rounded) || rounded == 0f) {
                assertEquals(rounded, got, () -> "at " + x + ": " + got + " instead of " + rounded);
                return;
            }
            // an ulp of the exact result (for subnormal results, the smallest subnormal)
            double err = Math.abs(got - e) / Math.ulp(rounded);
            if (err > worst) {
                worst = err;
            }
        }
    }

    @FunctionalInterface
    interface ArrayOp {
        void apply(float[] src, int srcOff, float[] dst, int dstOff, int n);
    }

    @FunctionalInterface
    interface FloatUnary {
        float apply(float x);
    }
}
