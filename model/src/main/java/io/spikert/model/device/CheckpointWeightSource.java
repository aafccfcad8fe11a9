package io.spikert.model.device;

import io.spikert.model.checkpoint.Checkpoint;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceBuffer;
import io.spikert.runtime.gpu.DeviceMatrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * A checkpoint's tensors uploaded as they are stored: BF16 matrices stay BF16 on the device (half the
 * bytes to stream per token), F32 stay F32; vectors are widened to F32. Shapes are checked against what
 * the model expects, naming the tensor and its file.
 */
public final class CheckpointWeightSource implements DeviceWeightSource {
    private final Checkpoint checkpoint;

    public CheckpointWeightSource(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
    }

    @Override
    public boolean contains(String name) {
        return checkpoint.contains(name);
    }

    @Override
    public DeviceMatrix matrix(String name, int rows, int cols, DeviceArena arena) {
        Tensor t = tensor(name, rows, cols);
        if (t.dtype() != DType.BF16 && t.dtype() != DType.F32) {
            throw new IllegalArgumentException(checkpoint.fileOf(name) + ": tensor " + name + " is " + t.dtype()
                    + "; the device path takes BF16 or F32 weights");
        }
        DeviceBuffer b = arena.upload(t.data().asSlice(0, t.byteSize()), "weight " + name);
        return new DeviceMatrix(name, t.dtype(), rows, cols, b.pointer());
    }

    @Override
    public DeviceBuffer vector(String name, int n, DeviceArena arena) {
        return arena.upload(tensor(name, n).toFloatArray(), "vector " + name);
    }

    private Tensor tensor(String name, long... shape) {
        Tensor t;
        try {
            t = checkpoint.tensor(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(checkpoint.fileOf(name) + ": tensor " + name + " has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
        return t;
    }
}
