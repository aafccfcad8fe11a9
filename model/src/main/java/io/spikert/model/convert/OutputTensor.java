package io.spikert.model.convert;

import io.spikert.model.checkpoint.SafetensorsWriter;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

import java.util.Arrays;

/**
 * One tensor of a conversion's output: its header entry and a deterministic producer of its bytes.
 * The producer is run twice, once to write and once to verify what was read back, so it must derive the
 * bytes from the source alone.
 */
public record OutputTensor(String name, DType dtype, long[] shape, SafetensorsWriter.ByteSource bytes) {
    public OutputTensor {
        shape = shape.clone();
    }

    public long byteSize() {
        return Tensor.elementCount(shape) * dtype.byteSize();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
