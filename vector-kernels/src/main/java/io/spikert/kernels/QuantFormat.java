package io.spikert.kernels;

import java.util.Locale;

/**
 * Weight-only quantisation formats of {@link QuantWeights}: each row of a matrix is cut into groups of
 * {@link #GROUP} consecutive columns, and each group holds integer codes and one F32 scale; a weight's value
 * is {@code (float) code * scale}. Both formats follow llama.cpp's Q8_0 and Q4_0 in their groups, scales and code
 * ranges, with F32 rather than F16 scales and codes rounded by {@code rint(w / scale)}, ties to even (llama.cpp
 * multiplies by the scale's inverse and rounds ties away from zero):
 * <ul>
 *   <li>{@link #Q8}: {@code scale = absmax / 127}, {@code code = rint(w / scale)} in [-127, 127], one byte a code.</li>
 *   <li>{@link #Q4}: {@code scale = m / -8} where m is the group's weight of largest magnitude (the first of equals),
 *   {@code code = min(7, rint(w / scale))} in [-8, 7] (m itself is -8), two codes a byte as four-bit two's
 *   complement: byte j of a group holds code j in its low four bits and code j + 16 in its high four.</li>
 * </ul>
 * A group of zeros has scale 0 and codes 0.
 */
public enum QuantFormat {
    Q8(8),
    Q4(4);

    /** Columns per scale. */
    public static final int GROUP = 32;

    private final int bits;

    QuantFormat(int bits) {
        this.bits = bits;
    }

    /** Bits of one code. */
    public int bits() {
        return bits;
    }

    /** Bytes of one row's codes ({@code cols} a multiple of {@link #GROUP}). */
    public long rowBytes(int cols) {
        return (long) cols * bits / 8;
    }

    /** Bytes of a whole matrix in this format: codes and scales. */
    public long bytes(int rows, int cols) {
        return rows * (rowBytes(cols) + 4L * (cols / GROUP));
    }

    /** The lower-case name the CLI takes ({@code q8}, {@code q4}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
