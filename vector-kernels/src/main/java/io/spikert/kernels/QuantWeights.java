package io.spikert.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A [rows, cols] weight matrix quantised at load in a {@link QuantFormat}: the codes row-major ({@code
 * format.rowBytes(cols)} bytes a row) and one F32 scale per row and group of {@link QuantFormat#GROUP} columns,
 * [rows, cols / GROUP]. The weight at (r, c) is {@link #weight}: {@code (float) code * scale}. {@link QuantMatVec}
 * and {@link MatMul#quantized} multiply by these values with the same arithmetic as {@link MatVec#f32} and
 * {@link MatMul#f32} on the F32 matrix of them, so a quantised model gives the bits of an F32 model whose weights
 * are the dequantised values.
 */
public final class QuantWeights {
    private static final ValueLayout.OfFloat F32 = Weights.F32;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Whether the vector paths run: 8 or 16 float lanes (AVX2, AVX-512); other widths take the scalar paths. */
    static final boolean VECTOR = L == 8 || L == 16;
    /** L bytes, widened to L ints with B2I (a 64- or 128-bit shape). */
    static final VectorSpecies<Byte> B = VECTOR
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : ByteVector.SPECIES_64;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int G = QuantFormat.GROUP;

    private final QuantFormat format;
    private final int rows;
    private final int cols;
    private final MemorySegment codes;
    private final MemorySegment scales;

    /**
     * Codes and scales already laid out as described above ({@code codes} of {@code rows * format.rowBytes(cols)}
     * bytes, {@code scales} of {@code rows * cols / GROUP} little-endian floats).
     */
    public QuantWeights(QuantFormat format, int rows, int cols, MemorySegment codes, MemorySegment scales) {
        if (rows < 0 || cols <= 0 || cols % G != 0) {
            throw new IllegalArgumentException("quantised weights need rows >= 0 and a positive multiple of " + G
                    + " columns, got " + rows + " x " + cols);
        }
        if (codes.byteSize() != rows * format.rowBytes(cols) || scales.byteSize() != 4L * rows * (cols / G)) {
            throw new IllegalArgumentException(format + " weights " + rows + " x " + cols + " need " + rows * format.rowBytes(cols)
                    + " bytes of codes and " + 4L * rows * (cols / G) + " of scales, got " + codes.byteSize() + " and "
                    + scales.byteSize());
        }
        this.format = format;
        this.rows = rows;
        this.cols = cols;
        this.codes = codes;
        this.scales = scales;
    }

    public QuantFormat format() {
        return format;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public MemorySegment codes() {
        return codes;
    }

    public MemorySegment scales() {
        return scales;
    }

    /** Bytes of codes and scales. */
    public long byteSize() {
        return codes.byteSize() + scales.byteSize();
    }

    /** Whether a matrix of {@code cols} columns can be held in these formats (whole groups). */
    public static boolean fits(int cols) {
        return cols > 0 && cols % G == 0;
    }

    /**
     * Quantises the F32 (or, with {@code bf16}, BF16) little-endian matrix {@code w} [rows, cols] into {@code arena},
     * by the rules of {@link QuantFormat}. Rows are split over the common pool where {@code w} may be read by other
     * threads. A NaN or infinite weight is refused naming its row and column; a group whose scale underflows to 0
     * (every weight below about 1e-43) keeps codes 0.
     */
    public static QuantWeights quantize(Arena arena, MemorySegment w, boolean bf16, int rows, int cols, QuantFormat format) {
        if (!fits(cols) || rows < 0) {
            throw new IllegalArgumentException("cannot quantise a " + rows + " x " + cols + " matrix to " + format.label()
                    + ": the columns must be a positive multiple of " + G);
        }
        Weights.checkMatrix("QuantWeights.quantize", w, cols, rows, bf16 ? 2 : 4);
        long codeBytes = rows * format.rowBytes(cols);
        long scaleBytes = 4L * rows * (cols / G);
        MemorySegment codes = arena.allocate(Math.max(1, codeBytes), 64).asSlice(0, codeBytes);
        MemorySegment scales = arena.allocate(Math.max(4, scaleBytes), 64).asSlice(0, scaleBytes);
        // written in place, by several threads where the source and the arena's memory may be shared with them
        Thread other = new Thread(() -> { });
        boolean shared = w.isAccessibleBy(other) && codes.isAccessibleBy(other);
        int parts = shared ? Math.max(1, Math.min(rows, ForkJoinPool.getCommonPoolParallelism() + 1)) : 1;
        IntStream.range(0, parts).parallel().forEach(p -> quantizeRows(w, bf16, cols, format, codes, scales,
                (int) ((long) rows * p / parts), (int) ((long) rows * (p + 1) / parts)));
        return new QuantWeights(format, rows, cols, codes, scales);
    }

    private static void quantizeRows(MemorySegment w, boolean bf16, int cols, QuantFormat format, MemorySegment codes,
                                     MemorySegment scales, int r0, int r1) {
        int groups = cols / G;
        long rowBytes = format.rowBytes(cols);
        float[] v = new float[G];
        int[] q = new int[G];
        for (int r = r0; r < r1; r++) {
            for (int g = 0; g < groups; g++) {
                long e0 = (long) r * cols + (long) g * G;
                int m = 0;
                for (int j = 0; j < G; j++) {
                    v[j] = bf16 ? Weights.bf16(w, e0 + j) : Weights.f32(w, e0 + j);
                    if (!Float.isFinite(v[j])) {
                        throw new IllegalArgumentException("weight at row " + r + ", column " + (g * G + j) + " is " + v[j]);
                    }
                    if (Math.abs(v[j]) > Math.abs(v[m])) {
                        m = j;
                    }
                }
                float scale = format == QuantFormat.Q8 ? Math.abs(v[m]) / 127f : v[m] / -8f;
                int lo = format == QuantFormat.Q8 ? -127 : -8;
                int hi = format == QuantFormat.Q8 ? 127 : 7;
                for (int j = 0; j < G; j++) {
                    q[j] = scale == 0f ? 0 : (int) Math.clamp(Math.rint(v[j] / scale), lo, hi);
                }
                scales.setAtIndex(F32, (long) r * groups + g, scale);
                long at = r * rowBytes + (long) g * (G * format.bits() / 8);
                if (format == QuantFormat.Q8) {
                    for (int j = 0; j < G; j++) {
                        codes.set(ValueLayout.JAVA_BYTE, at + j, (byte) q[j]);
                    }
                } else {
                    for (int j = 0; j < G / 2; j++) {
                        codes.set(ValueLayout.JAVA_BYTE, at + j, (byte) ((q[j] & 0xF) | q[j + G / 2] << 4));
                    }
                }
            }
        }
    }

    /** The integer code at (r, c). */
    public int code(int r, int c) {
        long row = r * format.rowBytes(cols);
        if (format == QuantFormat.Q8) {
            return codes.get(ValueLayout.JAVA_BYTE, row + c);
        }
        int g = c / G, j = c % G;
        int b = codes.get(ValueLayout.JAVA_BYTE, row + (long) g * (G / 2) + j % (G / 2));
        return j < G / 2 ? b << 28 >> 28 : b >> 4;
    }

    /** The scale of row r, group g. */
    public float scale(int r, int g) {
        return scales.getAtIndex(F32, (long) r * (cols / G) + g);
    }

    /** The weight at (r, c): {@code (float) code * scale}. */
    public float weight(int r, int c) {
        return code(r, c) * scale(r, c / G);
    }

    /**
     * dst[dstOff + i] = weight(row, col0 + i) for i < n; {@code col0} and {@code n} whole groups (MatMul's packing,
     * the same values as {@link #weight}).
     */
    public void dequantize(int row, int col0, int n, float[] dst, int dstOff) {
        if (col0 % G != 0 || n % G != 0 || col0 < 0 || col0 + n > cols || row < 0 || row >= rows) {
            throw new IllegalArgumentException("dequantize: row " + row + ", columns [" + col0 + ", " + (col0 + n)
                    + ") of a " + rows + " x " + cols + " matrix in whole groups of " + G);
        }
        java.util.Objects.checkFromIndexSize(dstOff, n, dst.length);
        if (!VECTOR) {
            for (int i = 0; i < n; i++) {
                dst[dstOff + i] = weight(row, col0 + i);
            }
            return;
        }
        long rowByte = row * format.rowBytes(cols);
        for (int g = col0 / G, d = dstOff; g < (col0 + n) / G; g++, d += G) {
            FloatVector s = FloatVector.broadcast(F, scale(row, g));
            if (format == QuantFormat.Q8) {
                long o = rowByte + (long) g * G;
                for (int j = 0; j < G; j += L) {
                    toFloat(widen(codes, o + j)).mul(s).intoArray(dst, d + j);
                }
            } else {
                long o = rowByte + (long) g * (G / 2);
                for (int j = 0; j < G / 2; j += L) {
                    IntVector b = widen(codes, o + j);
                    toFloat(low(b)).mul(s).intoArray(dst, d + j);
                    toFloat(high(b)).mul(s).intoArray(dst, d + G / 2 + j);
                }
            }
        }
    }

    /** L bytes at byte offset o, sign-extended to int lanes. */
    static IntVector widen(MemorySegment seg, long o) {
        return (IntVector) ByteVector.fromMemorySegment(B, seg, o, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    /** The codes in the low four bits of each widened Q4 byte (two's complement nibbles). */
    static IntVector low(IntVector b) {
        return b.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28);
    }

    /** The codes in the high four bits of each sign-extended Q4 byte. */
    static IntVector high(IntVector b) {
        return b.lanewise(VectorOperators.ASHR, 4);
    }

    static FloatVector toFloat(IntVector a) {
        return (FloatVector) a.convertShape(VectorOperators.I2F, F, 0);
    }
}
