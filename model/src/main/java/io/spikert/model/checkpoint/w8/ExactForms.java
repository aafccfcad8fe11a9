package io.spikert.model.checkpoint.w8;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.memory.NativeMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Narrower forms of a raw fp32 weight that hold exactly the same values. The published W8ASpike layout
 * stores its raw tensors (down_proj, lm_head, embeddings) as fp32; when those values are in fact BF16
 * values (a model quantised from the BF16 base) or group codes times scales (a fake-quantised export),
 * storing them narrower changes no product's real value and halves or quarters the bytes a token reads.
 * Nothing here guesses: a tensor is narrowed only when every element passes the check.
 */
public final class ExactForms {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The low mantissa halves of two little-endian floats in one long: BF16 keeps only the high halves. */
    private static final long LOW_HALVES = 0x0000_FFFF_0000_FFFFL;

    private ExactForms() {
    }

    /** Whether every element of the F32 tensor {@code t} is a BF16 value (its low 16 bits are zero). */
    public static boolean bf16Exact(Tensor t) {
        if (t.dtype() != DType.F32) {
            return false;
        }
        MemorySegment data = t.data();
        long n = t.elementCount();
        long pairs = n / 2;
        for (long i = 0; i < pairs; i++) {
            if ((data.getAtIndex(I64, i) & LOW_HALVES) != 0) {
                return false;
            }
        }
        return n % 2 == 0 || (Float.floatToRawIntBits(data.getAtIndex(F32, n - 1)) & 0xFFFF) == 0;
    }

    /** The BF16 copy of an F32 tensor for which {@link #bf16Exact} holds; the values are unchanged. */
    public static Tensor toBf16(Arena arena, Tensor f32) {
        if (!bf16Exact(f32)) {
            throw new IllegalArgumentException("tensor " + f32.name() + " holds values that are not BF16 values");
        }
        long n = f32.elementCount();
        MemorySegment out = NativeMemory.allocate(arena, n * 2);
        MemorySegment in = f32.data();
        for (long i = 0; i < n; i++) {
            out.setAtIndex(I16, i, (short) (Float.floatToRawIntBits(in.getAtIndex(F32, i)) >>> 16));
        }
        return new Tensor(f32.name(), DType.BF16, f32.shape(), out);
    }

    /**
     * Whether every weight w of the [rows, cols] F32 or BF16 tensor equals code * s in float, with
     * code = rint(w / s) within the int16 range and s the scale of its row and group of 128 inputs
     * ({@code scales} [rows][cols / 128]): then the INT8 codes with their exact outliers hold the weight.
     */
    public static boolean codesExact(Tensor w, int rows, int cols, float[] scales) {
        int groups = cols / W8ASpikeFormat.GROUP;
        if (cols % W8ASpikeFormat.GROUP != 0 || scales.length != rows * groups || w.elementCount() != (long) rows * cols) {
            return false;
        }
        if (w.dtype() == DType.F32 && positiveAndFinite(scales)) {
            return Int8Weights.isExactlyCoded(w.data(), rows, cols, scales);
        }
        for (int r = 0; r < rows; r++) {
            long row = (long) r * cols;
            for (int c = 0; c < cols; c++) {
                float v = w.getFloat(row + c);
                float s = scales[r * groups + c / W8ASpikeFormat.GROUP];
                float code = GroupQuant.code(v, s);
                if (!(Math.abs(code) <= GroupQuant.MAX_CODE) || code * s != v) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean positiveAndFinite(float[] scales) {
        for (float s : scales) {
            if (!(s > 0f) || Float.isInfinite(s)) {
                return false;
            }
        }
        return true;
    }
}
