package io.spikert.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Chunked GLA prefill for one kv head and its {@code group} query heads (MODEL.md section 3, chunked
 * form). The result equals {@code tokens} sequential {@link GlaStep#update} + readout calls up to rounding.
 *
 * <p>The tokens are processed in sub-chunks. Within a sub-chunk starting at token t0, D_t is the sum of
 * the log decays g of tokens t0+1..t (D_t0 = 0), so e^{b_t - b_s} = e^{D_t} e^{-D_s}. A sub-chunk ends
 * before any D would drop below -{@link #LIMIT}, which bounds e^{-D_s} by e^LIMIT: nothing overflows
 * even for g = -20 per step (sub-chunks then shrink to a token or two), and a one-token sub-chunk uses
 * only factors of exactly 1. Per sub-chunk: out = (q*scale*e^{b_t}) S_0 as one small matrix product
 * over all its query rows (S_0 rows are loaded once for four query rows), plus the causal intra-chunk
 * terms; then S is decayed and receives the sub-chunk's rank-n update in one pass.
 */
public final class GlaChunk {
    private GlaChunk() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Most tokens per sub-chunk. */
    static final int MAX_SUB = 16;
    /** Bound on -D within a sub-chunk: e^40 ~ 2e17 keeps every factor and product finite in fp32. */
    static final float LIMIT = 40f;

    public static void prefill(float[] state, int sOff, int d, int group, int tokens, float scale,
                               float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, float[] v, int vOff, int ldv,
                               float[] g, int gOff, int ldg, float[] out, int oOff, int ldo) {
        if (d < 1 || group < 1) {
            throw new IllegalArgumentException("GlaChunk: d and group must be >= 1, got d=" + d + " group=" + group);
        }
        int maxRows = MAX_SUB * group;
        // Scratch layout: D, EB (e^{b_t}), KT (k e^{-D}), KK (k e^{D_end - D}) per token; QD, QE, O per query row; A.
        int nd = MAX_SUB * d;
        int md = maxRows * d;
        float[] buf = Scratch.floats(0, 4 * nd + 3 * md + maxRows * MAX_SUB);
        // D holds D_t, later overwritten by e^{D_t}.
        int dB = 0, ebB = nd, ktB = 2 * nd, kkB = 3 * nd, qdB = 4 * nd, qeB = qdB + md, oB = qeB + md, aB = oB + md;

        int t0 = 0;
        while (t0 < tokens) {
            // D of the first token is 0; extend while every dimension stays above -LIMIT.
            for (int i = 0; i < d; i++) {
                buf[dB + i] = 0f;
            }
            int n = 1;
            while (n < MAX_SUB && t0 + n < tokens) {
                int gb = gOff + (t0 + n) * ldg;
                int prev = dB + (n - 1) * d;
                boolean ok = true;
                for (int i = 0; i < d; i++) {
                    float dn = buf[prev + i] + g[gb + i];
                    if (!(dn >= -LIMIT)) {
                        ok = false;
                        break;
                    }
                    buf[prev + d + i] = dn;
                }
                if (!ok) {
                    break;
                }
                n++;
            }
            int g0 = gOff + t0 * ldg;
            int dEnd = dB + (n - 1) * d;
            int iv = F.loopBound(d);
            // Per token: EB = e^{b_t} (relative to the state before t0), KT = k e^{-D}, KK = k e^{D_end - D},
            // and e^{D} (kept in the D slot, used by the query rows): the exponents, then their exps, then the k factors.
            exponents(buf, dB, ebB, ktB, kkB, dEnd, g, g0, n, d);
            VectorMath.exp(buf, ebB, buf, ebB, n * d);
            VectorMath.exp(buf, ktB, buf, ktB, n * d);
            VectorMath.exp(buf, kkB, buf, kkB, n * d);
            VectorMath.exp(buf, dB, buf, dB, n * d);
            for (int s = 0; s < n; s++) {
                int kb = kOff + (t0 + s) * ldk;
                int sd = s * d;
                int i = 0;
                for (; i < iv; i += L) {
                    FloatVector kv = FloatVector.fromArray(F, k, kb + i);
                    kv.mul(FloatVector.fromArray(F, buf, ktB + sd + i)).intoArray(buf, ktB + sd + i);
                    kv.mul(FloatVector.fromArray(F, buf, kkB + sd + i)).intoArray(buf, kkB + sd + i);
                }
                for (; i < d; i++) {
                    buf[ktB + sd + i] = k[kb + i] * buf[ktB + sd + i];
                    buf[kkB + sd + i] = k[kb + i] * buf[kkB + sd + i];
                }
            }
            int m = n * group;
            for (int tt = 0; tt < n; tt++) {
                for (int h = 0; h < group; h++) {
                    int row = tt * group + h;
                    int qb = qOff + (t0 + tt) * ldq + h * d;
                    int i = 0;
                    for (; i < iv; i += L) {
                        FloatVector qs = FloatVector.fromArray(F, q, qb + i).mul(scale);
                        qs.mul(FloatVector.fromArray(F, buf, ebB + tt * d + i)).intoArray(buf, qdB + row * d + i);
                        qs.mul(FloatVector.fromArray(F, buf, dB + tt * d + i)).intoArray(buf, qeB + row * d + i);
                    }
                    for (; i < d; i++) {
                        float qs = q[qb + i] * scale;
                        buf[qdB + row * d + i] = qs * buf[ebB + tt * d + i];
                        buf[qeB + row * d + i] = qs * buf[dB + tt * d + i];
                    }
                }
            }
            // O = QD S_0, then the causal part: A[row][s] = QE_row . KT_s for s <= tt, O_row += sum_s A v_s.
            rowsTimesState(buf, qdB, m, state, sOff, d, buf, oB);
            for (int row = 0; row < m; row++) {
                int tt = row / group;
                for (int s = 0; s <= tt; s++) {
                    buf[aB + row * MAX_SUB + s] = dot(buf, qeB + row * d, buf, ktB + s * d, d);
                }
                int ob = oB + row * d;
                int jv = F.loopBound(d);
                int j = 0;
                for (; j < jv; j += L) {
                    FloatVector acc = FloatVector.fromArray(F, buf, ob + j);
                    for (int s = 0; s <= tt; s++) {
                        acc = FloatVector.fromArray(F, v, vOff + (t0 + s) * ldv + j)
                                .fma(FloatVector.broadcast(F, buf[aB + row * MAX_SUB + s]), acc);
                    }
                    acc.intoArray(buf, ob + j);
                }
                for (; j < d; j++) {
                    float acc = buf[ob + j];
                    for (int s = 0; s <= tt; s++) {
                        acc += buf[aB + row * MAX_SUB + s] * v[vOff + (t0 + s) * ldv + j];
                    }
                    buf[ob + j] = acc;
                }
                System.arraycopy(buf, ob, out, oOff + (t0 + tt) * ldo + (row - tt * group) * d, d);
            }
            // S = diag(e^{b_end}) S + sum_s (k_s e^{D_end - D_s}) v_s^T
            int ebEnd = ebB + (n - 1) * d;
            int jv = F.loopBound(d);
            for (int i = 0; i < d; i++) {
                int sr = sOff + i * d;
                float decay = buf[ebEnd + i];
                int j = 0;
                for (; j < jv; j += L) {
                    FloatVector acc = FloatVector.fromArray(F, state, sr + j).mul(decay);
                    for (int s = 0; s < n; s++) {
                        acc = FloatVector.fromArray(F, v, vOff + (t0 + s) * ldv + j)
                                .fma(FloatVector.broadcast(F, buf[kkB + s * d + i]), acc);
                    }
                    acc.intoArray(state, sr + j);
                }
                for (; j < d; j++) {
                    float acc = state[sr + j] * decay;
                    for (int s = 0; s < n; s++) {
                        acc += buf[kkB + s * d + i] * v[vOff + (t0 + s) * ldv + j];
                    }
                    state[sr + j] = acc;
                }
            }
            t0 += n;
        }
    }

    /** For tokens s < n: EB_s = g_t0 + D_s, KT_s = -D_s, KK_s = D_end - D_s, where the buffer holds D at dB. */
    private static void exponents(float[] buf, int dB, int ebB, int ktB, int kkB, int dEnd, float[] g, int g0, int n, int d) {
        int iv = F.loopBound(d);
        for (int s = 0; s < n; s++) {
            int sd = s * d;
            int i = 0;
            for (; i < iv; i += L) {
                FloatVector ds = FloatVector.fromArray(F, buf, dB + sd + i);
                FloatVector.fromArray(F, g, g0 + i).add(ds).intoArray(buf, ebB + sd + i);
                ds.neg().intoArray(buf, ktB + sd + i);
                FloatVector.fromArray(F, buf, dEnd + i).sub(ds).intoArray(buf, kkB + sd + i);
            }
            for (; i < d; i++) {
                float ds = buf[dB + sd + i];
                buf[ebB + sd + i] = g[g0 + i] + ds;
                buf[ktB + sd + i] = -ds;
                buf[kkB + sd + i] = buf[dEnd + i] - ds;
            }
        }
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int vb = F.loopBound(n);
        int i = 0;
        for (; i < vb; i += L) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = LaneSums.sum(acc);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** C[r][j] = sum_i A[r][i] S[i][j] for m rows of A (d wide, at a[aOff]) and the d x d state; C at c[cOff], d wide. */
    private static void rowsTimesState(float[] a, int aOff, int m, float[] s, int sOff, int d, float[] c, int cOff) {
        int jv = F.loopBound(d);
        int r = 0;
        for (; r + 4 <= m; r += 4) {
            int a0 = aOff + r * d, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d;
            int j = 0;
            // Two column vectors x four rows: eight independent chains, each S load feeds four FMAs.
            for (; j + 2 * L <= jv; j += 2 * L) {
                FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, e0 = c0, e1 = c0, e2 = c0, e3 = c0;
                for (int i = 0; i < d; i++) {
                    FloatVector sv = FloatVector.fromArray(F, s, sOff + i * d + j);
                    FloatVector sw = FloatVector.fromArray(F, s, sOff + i * d + j + L);
                    FloatVector b0 = FloatVector.broadcast(F, a[a0 + i]);
                    FloatVector b1 = FloatVector.broadcast(F, a[a1 + i]);
                    FloatVector b2 = FloatVector.broadcast(F, a[a2 + i]);
                    FloatVector b3 = FloatVector.broadcast(F, a[a3 + i]);
                    c0 = sv.fma(b0, c0);
                    e0 = sw.fma(b0, e0);
                    c1 = sv.fma(b1, c1);
                    e1 = sw.fma(b1, e1);
                    c2 = sv.fma(b2, c2);
                    e2 = sw.fma(b2, e2);
                    c3 = sv.fma(b3, c3);
                    e3 = sw.fma(b3, e3);
                }
                int cb = cOff + r * d + j;
                c0.intoArray(c, cb);
                c1.intoArray(c, cb + d);
                c2.intoArray(c, cb + 2 * d);
                c3.intoArray(c, cb + 3 * d);
                e0.intoArray(c, cb + L);
                e1.intoArray(c, cb + d + L);
                e2.intoArray(c, cb + 2 * d + L);
                e3.intoArray(c, cb + 3 * d + L);
            }
            for (; j < jv; j += L) {
                FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
                for (int i = 0; i < d; i++) {
                    FloatVector sv = FloatVector.fromArray(F, s, sOff + i * d + j);
                    c0 = sv.fma(FloatVector.broadcast(F, a[a0 + i]), c0);
                    c1 = sv.fma(FloatVector.broadcast(F, a[a1 + i]), c1);
                    c2 = sv.fma(FloatVector.broadcast(F, a[a2 + i]), c2);
                    c3 = sv.fma(FloatVector.broadcast(F, a[a3 + i]), c3);
                }
                int cb = cOff + r * d + j;
                c0.intoArray(c, cb);
                c1.intoArray(c, cb + d);
                c2.intoArray(c, cb + 2 * d);
                c3.intoArray(c, cb + 3 * d);
            }
            for (; j < d; j++) {
                for (int rr = 0; rr < 4; rr++) {
                    c[cOff + (r + rr) * d + j] = scalarDot(a, aOff + (r + rr) * d, s, sOff, d, j);
                }
            }
        }
        for (; r < m; r++) {
            int ar = aOff + r * d;
            int j = 0;
            for (; j < jv; j += L) {
                FloatVector c0 = FloatVector.zero(F);
                for (int i = 0; i < d; i++) {
                    c0 = FloatVector.fromArray(F, s, sOff + i * d + j).fma(FloatVector.broadcast(F, a[ar + i]), c0);
                }
                c0.intoArray(c, cOff + r * d + j);
            }
            for (; j < d; j++) {
                c[cOff + r * d + j] = scalarDot(a, ar, s, sOff, d, j);
            }
        }
    }

    private static float scalarDot(float[] a, int ar, float[] s, int sOff, int d, int j) {
        float acc = 0f;
        for (int i = 0; i < d; i++) {
            acc += a[ar + i] * s[sOff + i * d + j];
        }
        return acc;
    }
}
