package io.spikert.model;

import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.model.checkpoint.CheckpointException;
import io.spikert.model.layers.Linear;
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

    private final Checkpoint checkpoint;
    private final Arena arena;
    private final TreeSet<String> unused;

    WeightBinder(Checkpoint checkpoint, Arena arena) throws CheckpointException {
        this.checkpoint = checkpoint;
        this.arena = arena;
        this.unused = new TreeSet<>(checkpoint.names());
        for (String name : unused) {
            if (name.endsWith("weight_quantizer.scales")) {
                throw new CheckpointException(checkpoint.directory() + ": this is a W8ASpike checkpoint (it has " + name
                        + "); running the spiking W8ASpike variant arrives with the spiking issue (#3). Use the base"
                        + " (bf16) SpikingBrain-7B checkpoint meanwhile.");
            }
        }
    }

    /** A tensor of exactly {@code shape}; F16 matrices are widened to F32 once here so kernels see F32 or BF16 only. */
    Tensor tensor(String name, long... shape) throws CheckpointException {
        if (!checkpoint.contains(name)) {
            throw new CheckpointException(checkpoint.directory() + ": missing tensor " + name + " (expected shape "
                    + Arrays.toString(shape) + ")");
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
        Tensor w = tensor(prefix + ".weight", out, in);
        float[] b = bias ? vector(prefix + ".bias", out) : null;
        return new Linear(w, b);
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
