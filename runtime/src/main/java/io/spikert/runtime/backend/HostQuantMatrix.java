package io.spikert.runtime.backend;

import io.spikert.kernels.QuantFormat;
import io.spikert.kernels.QuantWeights;

/** Quantised weights on the CPU, multiplied where the loader laid them out. */
record HostQuantMatrix(String name, QuantWeights weights) implements QuantMatrix {
    @Override
    public QuantFormat format() {
        return weights.format();
    }

    @Override
    public int rows() {
        return weights.rows();
    }

    @Override
    public int cols() {
        return weights.cols();
    }

    @Override
    public long byteSize() {
        return weights.byteSize();
    }
}
