package io.spikert.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Element access to little-endian weight segments of any alignment (scalar paths and tails). */
final class Weights {
    private Weights() {}

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The F32 element at element index {@code i}. */
    static float f32(MemorySegment w, long i) {
        return w.get(F32, i * 4);
    }

    /** The BF16 element at element index {@code i}, widened exactly to float. */
    static float bf16(MemorySegment w, long i) {
        return Float.intBitsToFloat((w.get(BF16, i * 2) & 0xFFFF) << 16);
    }

    static void checkMatrix(String kernel, MemorySegment w, int cols, int rowEnd, int bytesPerElem) {
        if (cols < 0) {
            throw new IllegalArgumentException(kernel + ": cols must be >= 0, got " + cols);
        }
        long need = (long) rowEnd * cols * bytesPerElem;
        if (w.byteSize() < need) {
            throw new IllegalArgumentException(kernel + ": weight segment has " + w.byteSize()
                    + " bytes, rows up to " + rowEnd + " x " + cols + " cols need " + need);
        }
    }
}
