package io.spikert.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Y = X W^T for a row range of W and a block of tokens (prefill):
 * y[yOff + t*ldy + r] = sum_c W[r,c] * x[xOff + t*ldx + c].
 *
 * <p>Compute-bound, so it is an outer-product kernel blocked for registers and caches. Up to {@link #TV} L
 * tokens at a time are transposed once per call into a per-thread buffer, tokens contiguous per column, so a
 * vector holds one column of L tokens. The columns are cut into chunks of {@link #KC}; per chunk, six
 * rows of W are copied (BF16: widened; {@link QuantWeights}: dequantised) once into a small per-thread float buffer, and each weight is
 * broadcast against up to TV token vectors: with 512-bit vectors 24 accumulators, 4 vector loads and 6
 * broadcasts per 24 FMAs (with narrower ones 12, 2 and 6 per 12), and no horizontal reductions. Partial sums
 * of the chunks are added up in y. Full F32 tiles of 512-bit vectors skip the copy and broadcast straight from
 * the segment, which overlaps the weight stream with the FMAs (measurements: docs/PERFORMANCE.md, "Design
 * measurements"). Every output element is the same chain of FMAs over its columns in order whichever tile
 * computes it.
 */
public final class MatMul {
    private MatMul() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Half-width shorts with as many lanes as F, widened to ints with S2I. */
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int L = F.length();
    /** Rows per register tile. */
    private static final int ROWS = 6;
    /**
     * Token vectors per register tile (and per transposed group of tokens): four where vectors are 512 bits wide
     * (AVX-512's 32 registers hold the 24 accumulators), two where they are narrower (AVX2 has 16 registers, and
     * four token vectors spilled: 1.7x slower on Zen 3; docs/PERFORMANCE.md, "Design measurements").
     */
    private static final int TV = L >= 16 ? 4 : 2;
    /**
     * Columns per chunk: the largest whose transposed x (1 MiB at L = 16) still fits L2; smaller chunks add
     * partial-sum passes over y and were slower. A 3584-wide matrix needs no chunking at all.
     */
    static final int KC = 4096;

    public static void f32(MemorySegment w, int cols, float[] x, int xOff, int ldx, int tokens,
                           float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        Weights.checkMatrix("MatMul.f32", w, cols, rowEnd, 4);
        run(w, false, null, cols, x, xOff, ldx, tokens, y, yOff, ldy, rowStart, rowEnd);
    }

    public static void bf16(MemorySegment w, int cols, float[] x, int xOff, int ldx, int tokens,
                            float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        Weights.checkMatrix("MatMul.bf16", w, cols, rowEnd, 2);
        run(w, true, null, cols, x, xOff, ldx, tokens, y, yOff, ldy, rowStart, rowEnd);
    }

    /**
     * As {@link #f32} on the dequantised values of {@code w} ({@link QuantWeights#weight}), with the same bits: the
     * packing step dequantises the rows instead of copying them.
     */
    public static void quantized(QuantWeights w, float[] x, int xOff, int ldx, int tokens,
                                 float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        java.util.Objects.checkFromToIndex(rowStart, rowEnd, w.rows());
        run(null, false, w, w.cols(), x, xOff, ldx, tokens, y, yOff, ldy, rowStart, rowEnd);
    }

    private static void run(MemorySegment w, boolean bf16, QuantWeights q, int cols, float[] x, int xOff, int ldx, int tokens,
                            float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        if (rowStart >= rowEnd || tokens <= 0) {
            return;
        }
        if (cols == 0) {
            for (int t = 0; t < tokens; t++) {
                Arrays.fill(y, yOff + t * ldy + rowStart, yOff + t * ldy + rowEnd, 0f);
            }
            return;
        }
        float[] wp = Scratch.floats(1, ROWS * KC);
        float[] acc = Scratch.floats(3, ROWS * TV * L);
        for (int t0 = 0; t0 < tokens; t0 += TV * L) {
            int nt = Math.min(TV * L, tokens - t0);
            int nv = (nt + L - 1) / L;
            int tp = nv * L;
            float[] xp = Scratch.floats(2, cols * tp);
            transpose(x, xOff + t0 * ldx, ldx, nt, tp, cols, xp);
            for (int k0 = 0; k0 < cols; k0 += KC) {
                int kc = Math.min(KC, cols - k0);
                boolean first = k0 == 0;
                for (int r = rowStart; r < rowEnd; r += ROWS) {
                    int rb = Math.min(ROWS, rowEnd - r);
                    if (q == null && !bf16 && TV == 4 && rb == ROWS && nv == 4) {
                        long rowBytes = (long) cols * 4;
                        MemorySegment blk = w.asSlice(r * rowBytes, ROWS * rowBytes);
                        kernel4Direct(blk, rowBytes, 4L * k0, 4L * (k0 + kc), xp, tp, k0 * tp, acc);
                        emit(acc, TV, ROWS, t0, nt, y, yOff, ldy, r, first);
                        continue;
                    }
                    for (int i = 0; i < ROWS; i++) {
                        if (i < rb) {
                            long elem = (long) (r + i) * cols + k0;
                            if (q != null) {
                                q.dequantize(r + i, k0, kc, wp, i * KC);
                            } else if (bf16) {
                                packBf16(w, elem, kc, wp, i * KC);
                            } else {
                                MemorySegment.copy(w, Weights.F32, elem * 4, wp, i * KC, kc);
                            }
                        } else {
                            Arrays.fill(wp, i * KC, i * KC + kc, 0f);
                        }
                    }
                    int v = 0;
                    int xc = k0 * tp;
                    if (nv == 4) {
                        kernel4(wp, kc, xp, tp, xc, acc);
                        emit(acc, 4, rb, t0, nt, y, yOff, ldy, r, first);
                        v = 4;
                    }
                    for (; v + 2 <= nv; v += 2) {
                        kernel2(wp, kc, xp, tp, xc + v * L, acc);
                        emit(acc, 2, rb, t0 + v * L, nt - v * L, y, yOff, ldy, r, first);
                    }
                    for (; v < nv; v++) {
                        kernel1(wp, kc, xp, tp, xc + v * L, acc);
                        emit(acc, 1, rb, t0 + v * L, nt - v * L, y, yOff, ldy, r, first);
                    }
                }
            }
        }
    }

    /** xp[c*tp + t] = x of token t, column c, for t < nt; tokens nt..tp-1 are zero. */
    private static void transpose(float[] x, int xb, int ldx, int nt, int tp, int cols, float[] xp) {
        for (int t = 0; t < nt; t++) {
            int src = xb + t * ldx;
            for (int c = 0, dst = t; c < cols; c++, dst += tp) {
                xp[dst] = x[src + c];
            }
        }
        if (nt < tp) {
            for (int c = 0; c < cols; c++) {
                Arrays.fill(xp, c * tp + nt, c * tp + tp, 0f);
            }
        }
    }

    /** Widens kc BF16 weights starting at element {@code elem} into wp[dst ..]. */
    private static void packBf16(MemorySegment w, long elem, int kc, float[] wp, int dst) {
        int kv = kc - kc % L;
        long b = elem * 2;
        int c = 0;
        for (; c < kv; c += L) {
            ShortVector s = ShortVector.fromMemorySegment(S, w, b + 2L * c, LE);
            IntVector bits = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            // S2I sign-extends; the shift discards those upper bits again.
            bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wp, dst + c);
        }
        for (; c < kc; c++) {
            wp[dst + c] = Weights.bf16(w, elem + c);
        }
    }

    /**
     * Stores (first chunk) or adds the tile in acc, laid out [row][token vector][lane] with TV vectors
     * per row, into y for the rb real rows and the first nt tokens starting at token t0.
     */
    private static void emit(float[] acc, int nv, int rb, int t0, int nt, float[] y, int yOff, int ldy, int r, boolean first) {
        int n = Math.min(nt, nv * L);
        for (int i = 0; i < rb; i++) {
            int a = i * TV * L;
            int yi = yOff + t0 * ldy + r + i;
            if (first) {
                for (int t = 0; t < n; t++, yi += ldy) {
                    y[yi] = acc[a + t];
                }
            } else {
                for (int t = 0; t < n; t++, yi += ldy) {
                    y[yi] += acc[a + t];
                }
            }
        }
    }

    /**
     * kernel4 reading six F32 rows straight from the weight segment (blk starts at the first row; chunk
     * bytes [o0, o1)): no packing pass, so the weight stream overlaps the FMAs instead of preceding them.
     */
    private static void kernel4Direct(MemorySegment blk, long rb, long o0, long o1, float[] xp, int tp, int xc, float[] acc) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F), a41 = FloatVector.zero(F), a42 = FloatVector.zero(F), a43 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F), a51 = FloatVector.zero(F), a52 = FloatVector.zero(F), a53 = FloatVector.zero(F);
        int xi = xc;
        for (long o = o0; o < o1; o += 4, xi += tp) {
            FloatVector x0 = FloatVector.fromArray(F, xp, xi);
            FloatVector x1 = FloatVector.fromArray(F, xp, xi + 1 * L);
            FloatVector x2 = FloatVector.fromArray(F, xp, xi + 2 * L);
            FloatVector x3 = FloatVector.fromArray(F, xp, xi + 3 * L);
            FloatVector w0 = FloatVector.broadcast(F, blk.get(Weights.F32, o));
            a00 = w0.fma(x0, a00);
            a01 = w0.fma(x1, a01);
            a02 = w0.fma(x2, a02);
            a03 = w0.fma(x3, a03);
            FloatVector w1 = FloatVector.broadcast(F, blk.get(Weights.F32, o + 1 * rb));
            a10 = w1.fma(x0, a10);
            a11 = w1.fma(x1, a11);
            a12 = w1.fma(x2, a12);
            a13 = w1.fma(x3, a13);
            FloatVector w2 = FloatVector.broadcast(F, blk.get(Weights.F32, o + 2 * rb));
            a20 = w2.fma(x0, a20);
            a21 = w2.fma(x1, a21);
            a22 = w2.fma(x2, a22);
            a23 = w2.fma(x3, a23);
            FloatVector w3 = FloatVector.broadcast(F, blk.get(Weights.F32, o + 3 * rb));
            a30 = w3.fma(x0, a30);
            a31 = w3.fma(x1, a31);
            a32 = w3.fma(x2, a32);
            a33 = w3.fma(x3, a33);
            FloatVector w4 = FloatVector.broadcast(F, blk.get(Weights.F32, o + 4 * rb));
            a40 = w4.fma(x0, a40);
            a41 = w4.fma(x1, a41);
            a42 = w4.fma(x2, a42);
            a43 = w4.fma(x3, a43);
            FloatVector w5 = FloatVector.broadcast(F, blk.get(Weights.F32, o + 5 * rb));
            a50 = w5.fma(x0, a50);
            a51 = w5.fma(x1, a51);
            a52 = w5.fma(x2, a52);
            a53 = w5.fma(x3, a53);
        }
        a00.intoArray(acc, (0 * TV + 0) * L);
        a01.intoArray(acc, (0 * TV + 1) * L);
        a02.intoArray(acc, (0 * TV + 2) * L);
        a03.intoArray(acc, (0 * TV + 3) * L);
        a10.intoArray(acc, (1 * TV + 0) * L);
        a11.intoArray(acc, (1 * TV + 1) * L);
        a12.intoArray(acc, (1 * TV + 2) * L);
        a13.intoArray(acc, (1 * TV + 3) * L);
        a20.intoArray(acc, (2 * TV + 0) * L);
        a21.intoArray(acc, (2 * TV + 1) * L);
        a22.intoArray(acc, (2 * TV + 2) * L);
        a23.intoArray(acc, (2 * TV + 3) * L);
        a30.intoArray(acc, (3 * TV + 0) * L);
        a31.intoArray(acc, (3 * TV + 1) * L);
        a32.intoArray(acc, (3 * TV + 2) * L);
        a33.intoArray(acc, (3 * TV + 3) * L);
        a40.intoArray(acc, (4 * TV + 0) * L);
        a41.intoArray(acc, (4 * TV + 1) * L);
        a42.intoArray(acc, (4 * TV + 2) * L);
        a43.intoArray(acc, (4 * TV + 3) * L);
        a50.intoArray(acc, (5 * TV + 0) * L);
        a51.intoArray(acc, (5 * TV + 1) * L);
        a52.intoArray(acc, (5 * TV + 2) * L);
        a53.intoArray(acc, (5 * TV + 3) * L);
    }

    /** 4 token vector(s) x ROWS packed rows over one chunk; the tokens start at xp[xc] for column 0. */
    private static void kernel4(float[] wp, int kc, float[] xp, int tp, int xc, float[] acc) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F), a41 = FloatVector.zero(F), a42 = FloatVector.zero(F), a43 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F), a51 = FloatVector.zero(F), a52 = FloatVector.zero(F), a53 = FloatVector.zero(F);
        int xi = xc;
        for (int c = 0; c < kc; c++, xi += tp) {
            FloatVector x0 = FloatVector.fromArray(F, xp, xi);
            FloatVector x1 = FloatVector.fromArray(F, xp, xi + 1 * L);
            FloatVector x2 = FloatVector.fromArray(F, xp, xi + 2 * L);
            FloatVector x3 = FloatVector.fromArray(F, xp, xi + 3 * L);
            FloatVector w0 = FloatVector.broadcast(F, wp[c]);
            a00 = w0.fma(x0, a00);
            a01 = w0.fma(x1, a01);
            a02 = w0.fma(x2, a02);
            a03 = w0.fma(x3, a03);
            FloatVector w1 = FloatVector.broadcast(F, wp[1 * KC + c]);
            a10 = w1.fma(x0, a10);
            a11 = w1.fma(x1, a11);
            a12 = w1.fma(x2, a12);
            a13 = w1.fma(x3, a13);
            FloatVector w2 = FloatVector.broadcast(F, wp[2 * KC + c]);
            a20 = w2.fma(x0, a20);
            a21 = w2.fma(x1, a21);
            a22 = w2.fma(x2, a22);
            a23 = w2.fma(x3, a23);
            FloatVector w3 = FloatVector.broadcast(F, wp[3 * KC + c]);
            a30 = w3.fma(x0, a30);
            a31 = w3.fma(x1, a31);
            a32 = w3.fma(x2, a32);
            a33 = w3.fma(x3, a33);
            FloatVector w4 = FloatVector.broadcast(F, wp[4 * KC + c]);
            a40 = w4.fma(x0, a40);
            a41 = w4.fma(x1, a41);
            a42 = w4.fma(x2, a42);
            a43 = w4.fma(x3, a43);
            FloatVector w5 = FloatVector.broadcast(F, wp[5 * KC + c]);
            a50 = w5.fma(x0, a50);
            a51 = w5.fma(x1, a51);
            a52 = w5.fma(x2, a52);
            a53 = w5.fma(x3, a53);
        }
        a00.intoArray(acc, (0 * TV + 0) * L);
        a01.intoArray(acc, (0 * TV + 1) * L);
        a02.intoArray(acc, (0 * TV + 2) * L);
        a03.intoArray(acc, (0 * TV + 3) * L);
        a10.intoArray(acc, (1 * TV + 0) * L);
        a11.intoArray(acc, (1 * TV + 1) * L);
        a12.intoArray(acc, (1 * TV + 2) * L);
        a13.intoArray(acc, (1 * TV + 3) * L);
        a20.intoArray(acc, (2 * TV + 0) * L);
        a21.intoArray(acc, (2 * TV + 1) * L);
        a22.intoArray(acc, (2 * TV + 2) * L);
        a23.intoArray(acc, (2 * TV + 3) * L);
        a30.intoArray(acc, (3 * TV + 0) * L);
        a31.intoArray(acc, (3 * TV + 1) * L);
        a32.intoArray(acc, (3 * TV + 2) * L);
        a33.intoArray(acc, (3 * TV + 3) * L);
        a40.intoArray(acc, (4 * TV + 0) * L);
        a41.intoArray(acc, (4 * TV + 1) * L);
        a42.intoArray(acc, (4 * TV + 2) * L);
        a43.intoArray(acc, (4 * TV + 3) * L);
        a50.intoArray(acc, (5 * TV + 0) * L);
        a51.intoArray(acc, (5 * TV + 1) * L);
        a52.intoArray(acc, (5 * TV + 2) * L);
        a53.intoArray(acc, (5 * TV + 3) * L);
    }

    /** 2 token vector(s) x ROWS packed rows over one chunk; the tokens start at xp[xc] for column 0. */
    private static void kernel2(float[] wp, int kc, float[] xp, int tp, int xc, float[] acc) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F), a41 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F), a51 = FloatVector.zero(F);
        int xi = xc;
        for (int c = 0; c < kc; c++, xi += tp) {
            FloatVector x0 = FloatVector.fromArray(F, xp, xi);
            FloatVector x1 = FloatVector.fromArray(F, xp, xi + 1 * L);
            FloatVector w0 = FloatVector.broadcast(F, wp[c]);
            a00 = w0.fma(x0, a00);
            a01 = w0.fma(x1, a01);
            FloatVector w1 = FloatVector.broadcast(F, wp[1 * KC + c]);
            a10 = w1.fma(x0, a10);
            a11 = w1.fma(x1, a11);
            FloatVector w2 = FloatVector.broadcast(F, wp[2 * KC + c]);
            a20 = w2.fma(x0, a20);
            a21 = w2.fma(x1, a21);
            FloatVector w3 = FloatVector.broadcast(F, wp[3 * KC + c]);
            a30 = w3.fma(x0, a30);
            a31 = w3.fma(x1, a31);
            FloatVector w4 = FloatVector.broadcast(F, wp[4 * KC + c]);
            a40 = w4.fma(x0, a40);
            a41 = w4.fma(x1, a41);
            FloatVector w5 = FloatVector.broadcast(F, wp[5 * KC + c]);
            a50 = w5.fma(x0, a50);
            a51 = w5.fma(x1, a51);
        }
        a00.intoArray(acc, (0 * TV + 0) * L);
        a01.intoArray(acc, (0 * TV + 1) * L);
        a10.intoArray(acc, (1 * TV + 0) * L);
        a11.intoArray(acc, (1 * TV + 1) * L);
        a20.intoArray(acc, (2 * TV + 0) * L);
        a21.intoArray(acc, (2 * TV + 1) * L);
        a30.intoArray(acc, (3 * TV + 0) * L);
        a31.intoArray(acc, (3 * TV + 1) * L);
        a40.intoArray(acc, (4 * TV + 0) * L);
        a41.intoArray(acc, (4 * TV + 1) * L);
        a50.intoArray(acc, (5 * TV + 0) * L);
        a51.intoArray(acc, (5 * TV + 1) * L);
    }

    /** 1 token vector(s) x ROWS packed rows over one chunk; the tokens start at xp[xc] for column 0. */
    private static void kernel1(float[] wp, int kc, float[] xp, int tp, int xc, float[] acc) {
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F);
        FloatVector a40 = FloatVector.zero(F);
        FloatVector a50 = FloatVector.zero(F);
        int xi = xc;
        for (int c = 0; c < kc; c++, xi += tp) {
            FloatVector x0 = FloatVector.fromArray(F, xp, xi);
            FloatVector w0 = FloatVector.broadcast(F, wp[c]);
            a00 = w0.fma(x0, a00);
            FloatVector w1 = FloatVector.broadcast(F, wp[1 * KC + c]);
            a10 = w1.fma(x0, a10);
            FloatVector w2 = FloatVector.broadcast(F, wp[2 * KC + c]);
            a20 = w2.fma(x0, a20);
            FloatVector w3 = FloatVector.broadcast(F, wp[3 * KC + c]);
            a30 = w3.fma(x0, a30);
            FloatVector w4 = FloatVector.broadcast(F, wp[4 * KC + c]);
            a40 = w4.fma(x0, a40);
            FloatVector w5 = FloatVector.broadcast(F, wp[5 * KC + c]);
            a50 = w5.fma(x0, a50);
        }
        a00.intoArray(acc, (0 * TV + 0) * L);
        a10.intoArray(acc, (1 * TV + 0) * L);
        a20.intoArray(acc, (2 * TV + 0) * L);
        a30.intoArray(acc, (3 * TV + 0) * L);
        a40.intoArray(acc, (4 * TV + 0) * L);
        a50.intoArray(acc, (5 * TV + 0) * L);
    }
}
