package io.spikert.runtime.backend;

import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

/** A weight the CPU multiplies where it lies (the mapped checkpoint, or a loader's copy). */
record HostMatrix(Tensor tensor) implements Matrix {
    @Override
    public String name() {
        return tensor.name();
    }

    @Override
    public DType dtype() {
        return tensor.dtype();
    }

    @Override
    public int rows() {
        return (int) tensor.dim(0);
    }

    @Override
    public int cols() {
        return (int) tensor.dim(1);
    }
}
