package io.spikert.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** Both {@link LaneSums} sums against a scalar twin of their folding order, bit for bit, and against a double sum. */
class LaneSumsTest {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Lane i plus lane i ^ d for d = n/2, n/4, ..., 1, on a copy; lane 0 at the end. */
    private static float twin(float[] lanes) {
        float[] v = lanes.clone();
        for (int d = v.length / 2; d >= 1; d /= 2) {
            float[] next = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                next[i] = v[i] + v[i ^ d];
            }
            v = next;
        }
        return v[0];
    }

    @Test
    void sumsInTheFixedFoldingOrder() {
        Random rnd = new Random(5);
        int l = F.length();
        float[] lanes = new float[l];
        int orderMattered = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            double exact = 0;
            float sequential = 0;
            for (int i = 0; i < l; i++) {
                // magnitudes over six decades and both signs, so the order of the adds changes the rounding
                lanes[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(6)));
                exact += lanes[i];
                sequential += lanes[i];
            }
            float sum = LaneSums.sum(FloatVector.fromArray(F, lanes, 0));
            assertEquals(Float.floatToRawIntBits(twin(lanes)), Float.floatToRawIntBits(sum), "trial " + trial);
            float[] stored = new float[l + 3];
            System.arraycopy(lanes, 0, stored, 3, l);
            assertEquals(Float.floatToRawIntBits(sum), Float.floatToRawIntBits(LaneSums.sum(stored, 3)), "stored, trial " + trial);
            double scale = 0;
            for (float x : lanes) {
                scale += Math.abs(x);
            }
            assertTrue(Math.abs(sum - exact) <= 1e-6 * scale, sum + " vs " + exact);
            if (sum != sequential) {
                orderMattered++;
            }
        }
        if (l > 2) {
            // the test data can tell the folding order from lane 0 up: otherwise the bit-for-bit check says little
            assertTrue(orderMattered > 1000, "order mattered in " + orderMattered + " trials");
        }
    }

    @Test
    void sumsOfFourAndEightVectorsEqualTheirSingleSums() {
        Random rnd = new Random(6);
        int l = F.length();
        float[][] lanes = new float[8][l];
        float[] out = new float[LaneSums.SUMS_LENGTH + 2];
        for (int trial = 0; trial < 5_000; trial++) {
            FloatVector[] v = new FloatVector[8];
            for (int k = 0; k < 8; k++) {
                for (int i = 0; i < l; i++) {
                    lanes[k][i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(6)));
                }
                v[k] = FloatVector.fromArray(F, lanes[k], 0);
            }
            java.util.Arrays.fill(out, Float.NaN);
            LaneSums.sums8(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], out, 1);
            for (int k = 0; k < 8; k++) {
                assertEquals(Float.floatToRawIntBits(LaneSums.sum(v[k])), Float.floatToRawIntBits(out[1 + k]), "sums8, vector " + k);
                assertEquals(Float.floatToRawIntBits(twin(lanes[k])), Float.floatToRawIntBits(out[1 + k]), "sums8 twin, vector " + k);
            }
            assertTrue(Float.isNaN(out[0]), "nothing written before the offset");
            java.util.Arrays.fill(out, Float.NaN);
            LaneSums.sums4(v[4], v[5], v[6], v[7], out, 2);
            for (int k = 0; k < 4; k++) {
                assertEquals(Float.floatToRawIntBits(LaneSums.sum(v[4 + k])), Float.floatToRawIntBits(out[2 + k]), "sums4, vector " + k);
            }
            assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[1]), "nothing written before the offset");
        }
    }

    @Test
    void keepsTheSpecialValues() {
        int l = F.length();
        float[] lanes = new float[l];
        java.util.Arrays.fill(lanes, -0f);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(LaneSums.sum(FloatVector.fromArray(F, lanes, 0))));
        lanes[l - 1] = Float.POSITIVE_INFINITY;
        assertEquals(Float.POSITIVE_INFINITY, LaneSums.sum(FloatVector.fromArray(F, lanes, 0)));
        lanes[0] = Float.NEGATIVE_INFINITY;
        assertTrue(Float.isNaN(LaneSums.sum(FloatVector.fromArray(F, lanes, 0))));
        lanes[0] = Float.NaN;
        lanes[l - 1] = 1f;
        assertTrue(Float.isNaN(LaneSums.sum(FloatVector.fromArray(F, lanes, 0))));
    }
}
