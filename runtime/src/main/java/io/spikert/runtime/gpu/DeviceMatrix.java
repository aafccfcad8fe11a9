package io.spikert.runtime.gpu;

import io.spikert.runtime.DType;
import io.spikert.runtime.backend.Matrix;

/**
 * A weight matrix in device memory, row-major [rows, cols] (nn.Linear's [out, in]), BF16 or F32 as
 * stored in the checkpoint.
 */
public record DeviceMatrix(String name, DType dtype, int rows, int cols, long pointer) implements Matrix {

    public DeviceMatrix {
        if (dtype != DType.BF16 && dtype != DType.F32) {
            throw new IllegalArgumentException(name + ": the device kernels take BF16 or F32 weights, not " + dtype);
        }
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(name + ": shape [" + rows + ", " + cols + "]");
        }
    }

    public long bytes() {
        return (long) rows * cols * dtype.byteSize();
    }
}
