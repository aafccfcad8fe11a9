package io.spikert.kernels;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** RmsNorm, Softmax, SwiGlu, Activations and Rope against their scalar twins and hand values. */
class ElementwiseTest {

    private static final int[] SIZES = {1, 7, 16, 17, 100, 3584};

    @Test
    void rmsNormMatchesTwinAndAliases() {
        Random rnd = new Random(1);
        for (int n : SIZES) {
            float[] x = TestData.randoms(rnd, n + 3);
            float[] w = TestData.randoms(rnd, n + 1);
            float[] expected = TestData.filled(n + 2, Float.NaN);
            float[] actual = TestData.filled(n + 2, Float.NaN);
            RmsNormScalar.apply(x, 3, w, 1, expected, 2, n, 1e-6f);
            RmsNorm.apply(x, 3, w, 1, actual, 2, n, 1e-6f);
            TestData.assertClose("RmsNorm n=" + n, expected, actual, 2e-6, 1e-7);
            float[] alias = x.clone();
            RmsNorm.apply(alias, 3, w, 1, alias, 3, n, 1e-6f);
            for (int i = 0; i < n; i++) {
                TestData.assertClose("RmsNorm aliased", new float[] {expected[2 + i]}, new float[] {alias[3 + i]}, 2e-6, 1e-7);
            }
        }
        // x = [3, 4]: mean square 12.5, so out = x / sqrt(12.5 + eps) * w
        float[] out = new float[2];
        RmsNorm.apply(new float[] {3, 4}, 0, new float[] {1, 2}, 0, out, 0, 2, 0f);
        TestData.assertClose("RmsNorm hand", new float[] {(float) (3 / Math.sqrt(12.5)), (float) (8 / Math.sqrt(12.5))}, out, 1e-6, 0);
    }

    @Test
    void softmaxMatchesTwinAndIsStable() {
        Random rnd = new Random(2);
        for (int n : SIZES) {
            float[] x = TestData.randoms(rnd, n + 2);
            for (int i = 0; i < x.length; i++) {
                x[i] *= 30;
            }
            float[] expected = x.clone();
            SoftmaxScalar.inPlace(expected, 2, n);
            Softmax.inPlace(x, 2, n);
            TestData.assertClose("Softmax n=" + n, expected, x, 1e-5, 1e-9);
        }
        // exp(1000) would overflow without the max subtraction
        float[] big = {1000f, 1001f, -1000f};
        Softmax.inPlace(big, 0, 3);
        float p0 = (float) (1 / (1 + Math.E));
        TestData.assertClose("Softmax hand", new float[] {p0, 1 - p0, 0f}, big, 1e-6, 1e-30);
    }

    @Test
    void swiGluMatchesTwinAndHandValues() {
        Random rnd = new Random(3);
        for (int n : SIZES) {
            float[] gate = TestData.randoms(rnd, n + 1);
            float[] up = TestData.randoms(rnd, n + 2);
            for (int i = 0; i < gate.length; i++) {
                gate[i] *= 20;
            }
            float[] expected = TestData.filled(n, Float.NaN);
            SwiGluScalar.siluMul(gate, 1, up, 2, expected, 0, n);
            float[] aliased = gate.clone();
            SwiGlu.siluMul(aliased, 1, up, 2, aliased, 1, n);
            float[] actual = new float[n];
            System.arraycopy(aliased, 1, actual, 0, n);
            TestData.assertClose("SwiGlu n=" + n, expected, actual, 1e-5, 1e-7);
        }
        float[] out = new float[3];
        SwiGlu.siluMul(new float[] {0f, 1f, -200f}, 0, new float[] {5f, 2f, 1f}, 0, out, 0, 3);
        TestData.assertClose("SwiGlu hand", new float[] {0f, (float) (2 / (1 + Math.exp(-1))), 0f}, out, 1e-6, 1e-30);
    }

    @Test
    void activationsMatchTwinsAndHandValues() {
        Random rnd = new Random(4);
        for (int n : SIZES) {
            float[] x = TestData.randoms(rnd, n + 1);
            for (int i = 0; i < x.length; i++) {
                x[i] *= 50;
            }
            float[] e = x.clone();
            float[] a = x.clone();
            ActivationsScalar.relu(e, 1, n);
            Activations.relu(a, 1, n);
            TestData.assertClose("relu", e, a, 0, 0);
            e = x.clone();
            a = x.clone();
            ActivationsScalar.logSigmoid(e, 1, n, 16f);
            Activations.logSigmoid(a, 1, n, 16f);
            TestData.assertClose("logSigmoid", e, a, 1e-5, 1e-7);
            float[] bias = TestData.randoms(rnd, n + 2);
            e = x.clone();
            a = x.clone();
            ActivationsScalar.addBias(e, 1, bias, 2, n);
            Activations.addBias(a, 1, bias, 2, n);
            TestData.assertClose("addBias", e, a, 0, 0);
        }
        // logsigmoid(0) = -ln 2; logsigmoid(-100) = -100 (no overflow); logsigmoid(100) = -e^-100 ~ 0
        float[] x = {0f, -100f, 100f, 2f};
        Activations.logSigmoid(x, 0, 4, 2f);
        TestData.assertClose("logSigmoid hand", new float[] {(float) (-Math.log(2) / 2), -50f, 0f,
                (float) (-Math.log1p(Math.exp(-2)) / 2)}, x, 1e-6, 1e-30);
    }

    @Test
    void ropeAnglesMatchDoublePrecision() {
        int headDim = 128;
        float[] cos = new float[64];
        float[] sin = new float[64];
        Rope.angles(1234, 1e6, headDim, cos, sin);
        for (int i : new int[] {0, 1, 10, 63}) {
            double angle = 1234.0 * Math.pow(1e6, -2.0 * i / headDim);
            // float angle rounding: at 1234 rad one ulp is ~1.2e-4, so allow that much
            TestData.assertClose("cos " + i, new float[] {(float) Math.cos(angle)}, new float[] {cos[i]}, 0, 2e-4);
            TestData.assertClose("sin " + i, new float[] {(float) Math.sin(angle)}, new float[] {sin[i]}, 0, 2e-4);
        }
        Rope.angles(0, 1e6, headDim, cos, sin);
        TestData.assertClose("pos 0", TestData.filled(64, 1f), cos, 0, 0);
    }

    @Test
    void rotateHalfMatchesHandCaseAndTwin() {
        // headDim 4, pos angles: i=0 -> 90 degrees, i=1 -> 0 degrees. x = [1, 2, 3, 4]
        float[] x = {9f, 1f, 2f, 3f, 4f};
        Rope.rotateHalf(x, 1, 1, 4, new float[] {0f, 1f}, new float[] {1f, 0f});
        // x'[0] = 1*0 - 3*1 = -3; x'[2] = 3*0 + 1*1 = 1; x'[1] = 2; x'[3] = 4
        TestData.assertClose("rope hand", new float[] {9f, -3f, 2f, 1f, 4f}, x, 0, 0);

        Random rnd = new Random(6);
        for (int headDim : new int[] {2, 36, 64, 128}) {
            float[] cos = new float[headDim / 2];
            float[] sin = new float[headDim / 2];
            Rope.angles(777, 1e6, headDim, cos, sin);
            float[] v = TestData.randoms(rnd, 3 + 5 * headDim);
            float[] e = v.clone();
            RopeScalar.rotateHalf(e, 3, 5, headDim, cos, sin);
            Rope.rotateHalf(v, 3, 5, headDim, cos, sin);
            TestData.assertClose("rotateHalf d=" + headDim, e, v, 1e-6, 1e-7);
        }
    }
}
