package io.spikert.model;

import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One pass over every floating-point tensor of a checkpoint, looking for NaN and infinities
 * ({@link LoadOptions#checkWeights()}): the big matrices a load maps but never reads are otherwise only
 * found out by the logits they spoil. Reads the mapped data eight bytes at a time and tests every lane's
 * exponent field at once, large tensors in slices on several threads; a hit is looked up element by element
 * to name it.
 */
final class WeightScan {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private WeightScan() {
    }

    /** Fails on the first non-finite value in name order, naming its file, tensor and position. */
    static void requireFinite(Checkpoint checkpoint) throws CheckpointException {
        for (String name : checkpoint.names()) {
            Tensor t = checkpoint.tensor(name);
            long bad = firstNonFinite(t);
            if (bad >= 0) {
                throw new CheckpointException(checkpoint.fileOf(name) + ": tensor " + name + " holds " + t.getFloat(bad)
                        + " at " + position(t.shape(), bad) + " (checked because weight checking was asked for)");
            }
        }
    }

    /** Elements per parallel slice of a large tensor (a multiple of 4, so slices start on 8-byte words). */
    private static final long SLICE = 1L << 24;

    /** Index of the first NaN or infinity of a floating-point tensor; -1 when all are finite or it holds integers. */
    static long firstNonFinite(Tensor t) {
        long n = t.elementCount();
        if (!t.dtype().isFloatingPoint() || n == 0) {
            return -1;
        }
        if (n <= SLICE) {
            return firstNonFinite(t.dtype(), t.data(), 0, n);
        }
        // Large matrices: slices on the common pool (the mapping is shared), the lowest hit wins.
        long slices = (n + SLICE - 1) / SLICE;
        return java.util.stream.LongStream.range(0, slices).parallel()
                .map(i -> firstNonFinite(t.dtype(), t.data(), i * SLICE, Math.min(n, (i + 1) * SLICE)))
                .filter(i -> i >= 0)
                .min().orElse(-1);
    }

    /** First non-finite index in [from, to); {@code from} is a multiple of 4. */
    private static long firstNonFinite(DType dtype, MemorySegment d, long from, long to) {
        return switch (dtype) {
            // per 16-bit lane: exponent bits all ones; per 32-bit lane likewise
            case BF16 -> scan16(d, from, to, (short) 0x7F80);
            case F16 -> scan16(d, from, to, (short) 0x7C00);
            case F32 -> scan32(d, from, to);
            case F64 -> {
                for (long i = from; i < to; i++) {
                    if (!Double.isFinite(d.getAtIndex(F64, i))) {
                        yield i;
                    }
                }
                yield -1;
            }
            default -> -1;
        };
    }

    private static long scan16(MemorySegment d, long from, long to, short exponent) {
        long mask = 0x0001_0001_0001_0001L * (exponent & 0xFFFF);
        long words = to / 4;
        for (long w = from / 4; w < words; w++) {
            // lanes whose exponent is all ones become zero; none of y's lanes has its top bit set,
            // so the zero-lane test below has no false positives for "some lane is zero"
            long y = (d.getAtIndex(I64, w) & mask) ^ mask;
            if (((y - 0x0001_0001_0001_0001L) & ~y & 0x8000_8000_8000_8000L) != 0) {
                return first16(d, w * 4, to, exponent);
            }
        }
        return first16(d, Math.max(from, words * 4), to, exponent);
    }

    private static long first16(MemorySegment d, long from, long to, short exponent) {
        for (long i = from; i < to; i++) {
            if ((d.getAtIndex(I16, i) & exponent) == exponent) {
                return i;
            }
        }
        return -1;
    }

    private static long scan32(MemorySegment d, long from, long to) {
        long mask = 0x7F80_0000_7F80_0000L;
        long words = to / 2;
        for (long w = from / 2; w < words; w++) {
            long y = (d.getAtIndex(I64, w) & mask) ^ mask;
            if (((y - 0x0000_0001_0000_0001L) & ~y & 0x8000_0000_8000_0000L) != 0) {
                return first32(d, w * 2, to);
            }
        }
        return first32(d, Math.max(from, words * 2), to);
    }

    private static long first32(MemorySegment d, long from, long to) {
        for (long i = from; i < to; i++) {
            if ((d.getAtIndex(I32, i) & 0x7F80_0000) == 0x7F80_0000) {
                return i;
            }
        }
        return -1;
    }

    /** "row r, column c" of a matrix, "index i" of a vector, "element i of shape [..]" otherwise. */
    static String position(long[] shape, long flat) {
        if (shape.length == 2) {
            return "row " + flat / shape[1] + ", column " + flat % shape[1];
        }
        if (shape.length == 1) {
            return "index " + flat;
        }
        return "element " + flat + " of shape " + Arrays.toString(shape);
    }
}
