package io.spikert.runtime;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Row access to 2-D tensors (embedding lookup), widening any float dtype to F32. */
public final class Rows {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Rows() {}

    /** Copies row {@code row} of the 2-D tensor {@code t} into {@code dst[off .. off + cols)}. */
    public static void copyRow(Tensor t, long row, float[] dst, int off) {
        if (t.rank() != 2 || row < 0 || row >= t.dim(0)) {
            throw new IndexOutOfBoundsException("row " + row + " of " + t);
        }
        int cols = (int) t.dim(1);
        long base = row * cols;
        var data = t.data();
        switch (t.dtype()) {
            case F32 -> {
                for (int c = 0; c < cols; c++) {
                    dst[off + c] = data.getAtIndex(F32, base + c);
                }
            }
            case BF16 -> {
                for (int c = 0; c < cols; c++) {
                    dst[off + c] = Float.intBitsToFloat((data.getAtIndex(I16, base + c) & 0xFFFF) << 16);
                }
            }
            case F16 -> {
                for (int c = 0; c < cols; c++) {
                    dst[off + c] = Float.float16ToFloat(data.getAtIndex(I16, base + c));
                }
            }
            default -> throw new UnsupportedOperationException("tensor " + t.name() + ": rows of " + t.dtype());
        }
    }
}
