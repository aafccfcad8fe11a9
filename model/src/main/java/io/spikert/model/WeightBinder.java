package io.spikert.model;

import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.layers.Linear;
import io.spikert.model.layers.SpikingLinear;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.memory.NativeMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * Takes tensors out of a checkpoint by their published names, checks each shape against the config,
 * and remembers what was taken so that tensors the model does not know are reported, not ignored.
 */
final class WeightBinder {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final String SCALES = ".weight_quantizer.scales";
    static final int GROUP = 128;

    private final Checkpoint checkpoint;
    private final Arena arena;
    private final TreeSet<String> unused;
    private final ModelVariant variant;
    private final java.util.List<Tensor> matrices = new java.util.ArrayList<>();

    WeightBinder(Checkpoint checkpoint, Arena arena) {
        this.checkpoint = checkpoint;
        this.arena = arena;
        this.unused = new TreeSet<>(checkpoint.names());
        this.variant = ModelVariant.of(checkpoint);
    }

    ModelVariant variant() {
        return variant;
    }

    /** A tensor of exactly {@code shape}; F16 matrices are widened to F32 once here so kernels see F32 or BF16 only. */
    Tensor tensor(String name, long... shape) throws CheckpointException {
        if (!checkpoint.contains(name)) {
            throw new CheckpointException(checkpoint.directory() + ": missing tensor " + name + " (expected shape "
                    + Arrays.toString(shape) + " in a " + variant + " checkpoint)");
        }
        Tensor t = checkpoint.tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(checkpoint.fileOf(name) + ": tensor " + name + " has shape "
                    + Arrays.toString(t.shape()) + " but config.json implies " + Arrays.toString(shape));
        }
        if (!t.dtype().isFloatingPoint() || t.dtype() == DType.F64) {
            throw new CheckpointException(checkpoint.fileOf(name) + ": tensor " + name + " has dtype " + t.dtype()
                    + "; SpikingBrain weights are BF16, F16 or F32");
        }
        unused.remove(name);
        return t.dtype() == DType.F16 ? widenToF32(t) : t;
    }

    Linear linear(String prefix, int out, int in, boolean bias) throws CheckpointException {
        Tensor w = matrix(tensor(prefix + ".weight", out, in));
        float[] b = bias ? vector(prefix + ".bias", out) : null;
        return new Linear(w, b);
    }

    /** Every weight matrix handed to the model, for the backend to check once. */
    java.util.List<Tensor> boundMatrices() {
        return java.util.List.copyOf(matrices);
    }

    private Tensor matrix(Tensor t) {
        matrices.add(t);
        return t;
    }

    /**
     * A W8ASpike QuantLinear: {@code W' = rint(W / s) * s} per group of 128 inputs (no clamp), with
     * its input spiked at threshold factor {@code k}. Held as F32: the float fake-quantisation form.
     */
    SpikingLinear spiking(String prefix, int out, int in, boolean bias, float k) throws CheckpointException {
        Tensor w = tensor(prefix + ".weight", out, in);
        if (in % GROUP != 0) {
            throw new CheckpointException(checkpoint.fileOf(prefix + ".weight") + ": " + prefix + " has " + in
                    + " inputs, not a multiple of the quantisation group " + GROUP);
        }
        Tensor scales = tensor(prefix + SCALES, out, in / GROUP, 1);
        var seg = NativeMemory.allocate(arena, (long) out * in * 4);
        for (long r = 0; r < out; r++) {
            for (long g = 0; g < in / GROUP; g++) {
                double scale = scales.getFloat(r * (in / GROUP) + g);
                if (!(scale > 0) || Double.isInfinite(scale)) {
                    throw new CheckpointException(checkpoint.fileOf(prefix + SCALES) + ": tensor " + prefix + SCALES
                            + " has a non-positive or non-finite scale " + scale + " at row " + r + ", group " + g);
                }
                for (long i = g * GROUP; i < (g + 1) * GROUP; i++) {
                    long e = r * in + i;
                    seg.setAtIndex(F32, e, (float) (Math.rint(w.getFloat(e) / scale) * scale));
                }
            }
        }
        float[] b = bias ? vector(prefix + ".bias", out) : null;
        return new SpikingLinear(matrix(new Tensor(prefix + ".weight (quantised)", DType.F32, new long[] {out, in}, seg)), b, k);
    }

    /** Marks a tensor as read and deliberately unused (W8ASpike stores scales for down_proj that the math ignores). */
    void skip(String name, long... shape) throws CheckpointException {
        tensor(name, shape);
    }

    float[] vector(String name, int n) throws CheckpointException {
        return tensor(name, n).toFloatArray();
    }

    /** Fails when the checkpoint holds tensors the model did not take: a sign of a wrong config or a different model. */
    void requireAllUsed() throws CheckpointException {
        if (!unused.isEmpty()) {
            var shown = unused.stream().limit(5).toList();
            throw new CheckpointException(checkpoint.directory() + ": " + unused.size() + " unexpected tensor(s) not used by a "
                    + ModelConfig.MODEL_TYPE + " model with this config.json, e.g. " + shown + " (in " + checkpoint.fileOf(shown.get(0)) + ")");
        }
    }

    private Tensor widenToF32(Tensor t) {
        long n = t.elementCount();
        var seg = NativeMemory.allocate(arena, n * 4);
        for (long i = 0; i < n; i++) {
            seg.setAtIndex(F32, i, t.getFloat(i));
        }
        return new Tensor(t.name(), DType.F32, t.shape(), seg);
    }
}
