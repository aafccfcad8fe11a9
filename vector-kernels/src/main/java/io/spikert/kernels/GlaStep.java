package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One decode step of gated linear attention for one kv head. The state S is d x d fp32, row-major,
 * S[i][j] at state[sOff + i*d + j] with i the key dimension and j the value dimension.
 */
public final class GlaStep {
    private GlaStep() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** S[i][j] = exp(g[i]) * S[i][j] + k[i] * v[j]: decay first, then add. */
    public static void update(float[] state, int sOff, int d, float[] k, int kOff, float[] v, int vOff, float[] g, int gOff) {
        int vecEnd = F.loopBound(d);
        for (int i = 0; i < d; i++) {
            float decay = (float) Math.exp(g[gOff + i]);
            float ki = k[kOff + i];
            int row = sOff + i * d;
            int j = 0;
            for (; j < vecEnd; j += F.length()) {
                FloatVector s = FloatVector.fromArray(F, state, row + j);
                FloatVector vv = FloatVector.fromArray(F, v, vOff + j);
                vv.mul(ki).add(s.mul(decay)).intoArray(state, row + j);
            }
            for (; j < d; j++) {
                state[row + j] = decay * state[row + j] + ki * v[vOff + j];
            }
        }
    }

    /** out[j] = sum_i (q[i] * scale) * S[i][j]. */
    public static void readout(float[] state, int sOff, int d, float[] q, int qOff, float scale, float[] out, int outOff) {
        int l = F.length();
        int vecEnd = F.loopBound(d);
        int j = 0;
        // Two column vectors at a time give two independent FMA chains.
        for (; j + 2 * l <= vecEnd; j += 2 * l) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            for (int i = 0; i < d; i++) {
                FloatVector qi = FloatVector.broadcast(F, q[qOff + i] * scale);
                int row = sOff + i * d + j;
                a0 = FloatVector.fromArray(F, state, row).fma(qi, a0);
                a1 = FloatVector.fromArray(F, state, row + l).fma(qi, a1);
            }
            a0.intoArray(out, outOff + j);
            a1.intoArray(out, outOff + j + l);
        }
        for (; j < vecEnd; j += l) {
            FloatVector a0 = FloatVector.zero(F);
            for (int i = 0; i < d; i++) {
                a0 = FloatVector.fromArray(F, state, sOff + i * d + j).fma(FloatVector.broadcast(F, q[qOff + i] * scale), a0);
            }
            a0.intoArray(out, outOff + j);
        }
        for (; j < d; j++) {
            float s = 0;
            for (int i = 0; i < d; i++) {
                s += (q[qOff + i] * scale) * state[sOff + i * d + j];
            }
            out[outOff + j] = s;
        }
    }
}
