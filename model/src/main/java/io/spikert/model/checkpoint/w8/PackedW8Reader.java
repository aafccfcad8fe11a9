package io.spikert.model.checkpoint.w8;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one QuantLinear of a packed W8ASpike checkpoint ({@link PackedFormat}) back into exact integer codes,
 * for the model loader: the codes and scales equal rint(W/s) and s of the fp32 original, so the integer
 * products are the same.
 */
public final class PackedW8Reader {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private PackedW8Reader() {
    }

    /** Whether {@code checkpoint} holds the packed form of QuantLinear {@code prefix}. */
    public static boolean isPacked(Checkpoint checkpoint, String prefix) {
        return checkpoint.contains(prefix + PackedFormat.CODES);
    }

    /** The tensors of one packed QuantLinear (for the loader's used-tensor bookkeeping). */
    public static List<String> tensorNames(String prefix) {
        return List.of(prefix + PackedFormat.CODES, prefix + PackedFormat.OUTLIER_INDEX,
                prefix + PackedFormat.OUTLIER_RESIDUAL, prefix + W8ASpikeFormat.SCALES);
    }

    /** Exact codes [out][in] row-major: int8 part plus residuals; every tensor is checked against the shape. */
    public static int[] codes(Checkpoint c, String prefix, int out, int in) throws CheckpointException {
        Tensor q = require(c, prefix + PackedFormat.CODES, DType.I8, out, in);
        long size = (long) out * in;
        if (size > Integer.MAX_VALUE - 16) {
            throw new CheckpointException(c.fileOf(q.name()) + ": tensor " + q.name() + " too large for one int[] of codes");
        }
        int[] codes = new int[(int) size];
        byte[] chunk = new byte[1 << 16];
        for (int off = 0; off < codes.length; off += chunk.length) {
            int m = Math.min(chunk.length, codes.length - off);
            MemorySegment.copy(q.data(), ValueLayout.JAVA_BYTE, off, chunk, 0, m);
            for (int j = 0; j < m; j++) {
                codes[off + j] = chunk[j];
            }
        }
        String idxName = prefix + PackedFormat.OUTLIER_INDEX;
        if (!c.contains(idxName)) {
            throw new CheckpointException(c.directory() + ": missing tensor " + idxName + " of the packed W8ASpike form");
        }
        Tensor idx = c.tensor(idxName);
        if (idx.shape().length != 1 || idx.dim(0) > size) {
            throw new CheckpointException(c.fileOf(idxName) + ": tensor " + idxName + " has shape " + Arrays.toString(idx.shape())
                    + "; the outlier index is a list [n] of at most " + size + " flat positions");
        }
        long n = idx.dim(0);
        require(c, idxName, DType.I32, n);
        Tensor res = require(c, prefix + PackedFormat.OUTLIER_RESIDUAL, DType.I16, n);
        long previous = -1;
        for (long k = 0; k < n; k++) {
            int i = idx.data().getAtIndex(I32, k);
            int r = res.data().getAtIndex(I16, k);
            if (i <= previous || i >= size) {
                throw new CheckpointException(c.fileOf(idx.name()) + ": tensor " + idx.name() + ": entry " + k + " = " + i
                        + " is not ascending within [0, " + size + ")");
            }
            previous = i;
            int q8 = codes[i];
            if (r == 0 || Math.abs(q8) != GroupQuant.MAX_INT8 || Integer.signum(r) != Integer.signum(q8)) {
                throw new CheckpointException(c.fileOf(res.name()) + ": tensor " + res.name() + ": residual " + r
                        + " at row " + i / in + ", column " + i % in + " does not extend the clamped code " + q8);
            }
            codes[i] = q8 + r;
        }
        return codes;
    }

    /** Scales [out][in/128] as stored, checked positive and finite. */
    public static float[] scales(Checkpoint c, String prefix, int out, int in) throws CheckpointException {
        String name = prefix + W8ASpikeFormat.SCALES;
        Tensor t = require(c, name, DType.F32, out, in / W8ASpikeFormat.GROUP, 1);
        float[] s = new float[(int) t.elementCount()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.data().getAtIndex(F32, i);
            if (!(s[i] > 0) || Float.isInfinite(s[i])) {
                throw new CheckpointException(c.fileOf(name) + ": tensor " + name + " has a non-positive or non-finite scale "
                        + s[i] + " at row " + i / (in / W8ASpikeFormat.GROUP) + ", group " + i % (in / W8ASpikeFormat.GROUP));
            }
        }
        return s;
    }

    /** The QuantLinear as {@link Int8Weights}, native memory from {@code arena}, in the default block rows. */
    public static Int8Weights int8Weights(Arena arena, Checkpoint c, String prefix, int out, int in) throws CheckpointException {
        return int8Weights(arena, c, prefix, out, in, Int8Weights.DEFAULT_MAX_BLOCK_ROWS);
    }

    /** The QuantLinear as {@link Int8Weights} in blocks of at most {@code maxBlockRows} rows, native memory from {@code arena}. */
    public static Int8Weights int8Weights(Arena arena, Checkpoint c, String prefix, int out, int in, int maxBlockRows)
            throws CheckpointException {
        int[] codes = codes(c, prefix, out, in);
        float[] scales = scales(c, prefix, out, in);
        try {
            return Int8Weights.fromCodes(arena, codes, out, in, scales, maxBlockRows);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(c.fileOf(prefix + PackedFormat.CODES) + ": " + prefix + ": " + e.getMessage(), e);
        }
    }

    private static Tensor require(Checkpoint c, String name, DType dtype, long... shape) throws CheckpointException {
        if (!c.contains(name)) {
            throw new CheckpointException(c.directory() + ": missing tensor " + name + " of the packed W8ASpike form");
        }
        Tensor t = c.tensor(name);
        if (t.dtype() != dtype || !Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(c.fileOf(name) + ": tensor " + name + " is " + t.dtype() + " "
                    + Arrays.toString(t.shape()) + ", expected " + dtype + " " + Arrays.toString(shape));
        }
        return t;
    }
}
