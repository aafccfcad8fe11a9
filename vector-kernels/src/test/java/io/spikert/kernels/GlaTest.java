package io.spikert.kernels;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlaTest {

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float f : a) {
            if (!Float.isNaN(f)) {
                m = Math.max(m, Math.abs(f));
            }
        }
        return m;
    }

    @Test
    void stepMatchesScalarTwin() {
        Random rnd = new Random(5);
        for (int d : new int[] {16, 19, 128}) {
            int sOff = 3;
            float[] s0 = TestData.randoms(rnd, sOff + d * d);
            float[] k = TestData.randoms(rnd, d + 2);
            float[] v = TestData.randoms(rnd, d + 1);
            float[] g = TestData.randoms(rnd, d);
            float[] sv = s0.clone();
            float[] ss = s0.clone();
            GlaStep.update(sv, sOff, d, k, 2, v, 1, g, 0);
            GlaStepScalar.update(ss, sOff, d, k, 2, v, 1, g, 0);
            TestData.assertClose("GlaStep.update d=" + d, ss, sv, 1e-6, 1e-6);
            float[] q = TestData.randoms(rnd, d + 4);
            float[] ov = TestData.filled(d + 2, Float.NaN);
            float[] os = TestData.filled(d + 2, Float.NaN);
            GlaStep.readout(sv, sOff, d, q, 4, 0.3f, ov, 1);
            GlaStepScalar.readout(ss, sOff, d, q, 4, 0.3f, os, 1);
            TestData.assertClose("GlaStep.readout d=" + d, os, ov, 1e-5, 1e-5 * maxAbs(os));
        }
    }

    @Test
    void stepHandValues() {
        // d = 2, S = [[1, 2], [3, 4]], g = [ln 0.5, 0], k = [1, -1], v = [10, 20]
        float[] s = {1, 2, 3, 4};
        GlaStep.update(s, 0, 2, new float[] {1, -1}, 0, new float[] {10, 20}, 0, new float[] {(float) Math.log(0.5), 0}, 0);
        TestData.assertClose("update", new float[] {10.5f, 21f, -7f, -16f}, s, 1e-6, 0);
        float[] out = new float[2];
        GlaStep.readout(s, 0, 2, new float[] {1, 2}, 0, 0.5f, out, 0);
        TestData.assertClose("readout", new float[] {0.5f * (10.5f - 14f), 0.5f * (21f - 32f)}, out, 1e-6, 0);
    }

    /** gKind: 0 typical logsigmoid/16 decays, 1 strongly negative (-20 per step), 2 mixed per dimension, 3 some -inf. */
    @ParameterizedTest(name = "d={0} group={1} tokens={2} gKind={3}")
    @CsvSource({
            "16, 1, 1, 0", "16, 1, 3, 0", "32, 7, 16, 0", "32, 1, 64, 0", "20, 7, 64, 0",
            "16, 7, 3, 1", "32, 1, 64, 1", "16, 1, 16, 2", "24, 7, 64, 2", "16, 2, 40, 3", "128, 7, 17, 0",
    })
    void chunkMatchesSequentialSteps(int d, int group, int tokens, int gKind) {
        Random rnd = new Random(d * 1000L + group * 100L + tokens * 10L + gKind);
        int sOff = 5, qOff = 1, kOff = 2, vOff = 3, gOff = 4, oOff = 6;
        int ldq = group * d + 3, ldk = d + 1, ldv = d + 2, ldg = d + 5, ldo = group * d + 7;
        float[] state = TestData.randoms(rnd, sOff + d * d + 2);
        float[] q = TestData.randoms(rnd, qOff + tokens * ldq);
        float[] k = TestData.randoms(rnd, kOff + tokens * ldk);
        for (int i = 0; i < k.length; i++) {
            k[i] = Math.max(k[i], 0f); // relu features, as in the model
        }
        float[] v = TestData.randoms(rnd, vOff + tokens * ldv);
        float[] g = new float[gOff + tokens * ldg];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < d; i++) {
                double x = rnd.nextGaussian() * 3;
                double typical = (Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)))) / 16;
                g[gOff + t * ldg + i] = (float) switch (gKind) {
                    case 0 -> typical;
                    case 1 -> -20.0 + rnd.nextDouble();
                    case 2 -> (i % 3 == 0) ? -20.0 * rnd.nextDouble() : typical;
                    default -> (t % 7 == 3 && i % 5 == 0) ? Double.NEGATIVE_INFINITY : typical;
                };
            }
        }
        float scale = (float) (1 / Math.sqrt(d));
        float[] stateV = state.clone();
        float[] stateS = state.clone();
        float[] outV = TestData.filled(oOff + tokens * ldo, Float.NaN);
        float[] outS = TestData.filled(oOff + tokens * ldo, Float.NaN);
        GlaChunk.prefill(stateV, sOff, d, group, tokens, scale, q, qOff, ldq, k, kOff, ldk, v, vOff, ldv, g, gOff, ldg, outV, oOff, ldo);
        GlaChunkScalar.prefill(stateS, sOff, d, group, tokens, scale, q, qOff, ldq, k, kOff, ldk, v, vOff, ldv, g, gOff, ldg, outS, oOff, ldo);
        TestData.assertClose("GlaChunk out", outS, outV, 1e-4, 1e-5 * maxAbs(outS));
        TestData.assertClose("GlaChunk state", stateS, stateV, 1e-4, 1e-5 * maxAbs(stateS));
    }
}
