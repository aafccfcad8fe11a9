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
 * <p>Compute-bound, so it is blocked for the caches and registers: the columns are cut into chunks of
 * {@link #KC}; for each chunk, four rows of W are copied (BF16: widened) once into a per-thread float
 * buffer that stays in L1, then every group of four tokens runs a 4 x 4 register tile of sixteen
 * accumulators, so each loaded vector feeds four FMAs. Partial dot products of the chunks are summed in y.
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
    /** Columns per chunk: 4 rows x 1024 floats of W (16 KiB) plus 4 tokens of x fit L1 together. */
    static final int KC = 1024;

    public static void f32(MemorySegment w, int cols, float[] x, int xOff, int ldx, int tokens,
                           float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        Weights.checkMatrix("MatMul.f32", w, cols, rowEnd, 4);
        run(w, false, cols, x, xOff, ldx, tokens, y, yOff, ldy, rowStart, rowEnd);
    }

    public static void bf16(MemorySegment w, int cols, float[] x, int xOff, int ldx, int tokens,
                            float[] y, int yOff, int ldy, int rowStart, int rowEnd) {
        Weights.checkMatrix("MatMul.bf16", w, cols, rowEnd, 2);
        run(w, true, cols, x, xOff, ldx, tokens, y, yOff, ldy, rowStart, rowEnd);
    }

    private static void run(MemorySegment w, boolean bf16, int cols, float[] x, int xOff, int ldx, int tokens,
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
        float[] wp = Scratch.floats(1, 4 * KC);
        for (int k0 = 0; k0 < cols; k0 += KC) {
            int kc = Math.min(KC, cols - k0);
            boolean first = k0 == 0;
            for (int r = rowStart; r < rowEnd; r += 4) {
                int rb = Math.min(4, rowEnd - r);
                for (int i = 0; i < 4; i++) {
                    if (i < rb) {
                        long elem = (long) (r + i) * cols + k0;
                        if (bf16) {
                            packBf16(w, elem, kc, wp, i * KC);
                        } else {
                            MemorySegment.copy(w, Weights.F32, elem * 4, wp, i * KC, kc);
                        }
                    } else {
                        Arrays.fill(wp, i * KC, i * KC + kc, 0f);
                    }
                }
                int t = 0;
                for (; t + 4 <= tokens; t += 4) {
                    tile4x4(wp, kc, x, xOff + t * ldx + k0, ldx, y, yOff + t * ldy + r, ldy, rb, first);
                }
                for (; t < tokens; t++) {
                    tile4x1(wp, kc, x, xOff + t * ldx + k0, y, yOff + t * ldy + r, rb, first);
                }
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

    /** Four packed rows against four tokens whose chunk starts at x[xb], x[xb+ldx], ...; rb rows are real. */
    private static void tile4x4(float[] wp, int kc, float[] x, int xb, int ldx, float[] y, int yb, int ldy,
                                int rb, boolean first) {
        int kv = kc - kc % L;
        int x0 = xb, x1 = xb + ldx, x2 = x1 + ldx, x3 = x2 + ldx;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        for (int c = 0; c < kv; c += L) {
            FloatVector w0 = FloatVector.fromArray(F, wp, c);
            FloatVector w1 = FloatVector.fromArray(F, wp, KC + c);
            FloatVector w2 = FloatVector.fromArray(F, wp, 2 * KC + c);
            FloatVector w3 = FloatVector.fromArray(F, wp, 3 * KC + c);
            FloatVector v = FloatVector.fromArray(F, x, x0 + c);
            a00 = w0.fma(v, a00);
            a10 = w1.fma(v, a10);
            a20 = w2.fma(v, a20);
            a30 = w3.fma(v, a30);
            v = FloatVector.fromArray(F, x, x1 + c);
            a01 = w0.fma(v, a01);
            a11 = w1.fma(v, a11);
            a21 = w2.fma(v, a21);
            a31 = w3.fma(v, a31);
            v = FloatVector.fromArray(F, x, x2 + c);
            a02 = w0.fma(v, a02);
            a12 = w1.fma(v, a12);
            a22 = w2.fma(v, a22);
            a32 = w3.fma(v, a32);
            v = FloatVector.fromArray(F, x, x3 + c);
            a03 = w0.fma(v, a03);
            a13 = w1.fma(v, a13);
            a23 = w2.fma(v, a23);
            a33 = w3.fma(v, a33);
        }
        int y1 = yb + ldy, y2 = y1 + ldy, y3 = y2 + ldy;
        emit(wp, 0, kv, kc, x, x0, a00, y, yb, rb, first);
        emit(wp, 0, kv, kc, x, x1, a01, y, y1, rb, first);
        emit(wp, 0, kv, kc, x, x2, a02, y, y2, rb, first);
        emit(wp, 0, kv, kc, x, x3, a03, y, y3, rb, first);
        emit(wp, 1, kv, kc, x, x0, a10, y, yb, rb, first);
        emit(wp, 1, kv, kc, x, x1, a11, y, y1, rb, first);
        emit(wp, 1, kv, kc, x, x2, a12, y, y2, rb, first);
        emit(wp, 1, kv, kc, x, x3, a13, y, y3, rb, first);
        emit(wp, 2, kv, kc, x, x0, a20, y, yb, rb, first);
        emit(wp, 2, kv, kc, x, x1, a21, y, y1, rb, first);
        emit(wp, 2, kv, kc, x, x2, a22, y, y2, rb, first);
        emit(wp, 2, kv, kc, x, x3, a23, y, y3, rb, first);
        emit(wp, 3, kv, kc, x, x0, a30, y, yb, rb, first);
        emit(wp, 3, kv, kc, x, x1, a31, y, y1, rb, first);
        emit(wp, 3, kv, kc, x, x2, a32, y, y2, rb, first);
        emit(wp, 3, kv, kc, x, x3, a33, y, y3, rb, first);
    }

    /** Four packed rows against one token. */
    private static void tile4x1(float[] wp, int kc, float[] x, int xb, float[] y, int yb, int rb, boolean first) {
        int kv = kc - kc % L;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int c = 0; c < kv; c += L) {
            FloatVector v = FloatVector.fromArray(F, x, xb + c);
            a0 = FloatVector.fromArray(F, wp, c).fma(v, a0);
            a1 = FloatVector.fromArray(F, wp, KC + c).fma(v, a1);
            a2 = FloatVector.fromArray(F, wp, 2 * KC + c).fma(v, a2);
            a3 = FloatVector.fromArray(F, wp, 3 * KC + c).fma(v, a3);
        }
        emit(wp, 0, kv, kc, x, xb, a0, y, yb, rb, first);
        emit(wp, 1, kv, kc, x, xb, a1, y, yb, rb, first);
        emit(wp, 2, kv, kc, x, xb, a2, y, yb, rb, first);
        emit(wp, 3, kv, kc, x, xb, a3, y, yb, rb, first);
    }

    /** Finishes one (row, token) dot product of a chunk (lanes plus scalar tail) and stores or adds it. */
    private static void emit(float[] wp, int row, int kv, int kc, float[] x, int xb, FloatVector acc,
                             float[] y, int yb, int rb, boolean first) {
        if (row >= rb) {
            return;
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        int wb = row * KC;
        for (int c = kv; c < kc; c++) {
            s += wp[wb + c] * x[xb + c];
        }
        if (first) {
            y[yb + row] = s;
        } else {
            y[yb + row] += s;
        }
    }
}
