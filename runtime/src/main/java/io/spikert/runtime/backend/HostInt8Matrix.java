package io.spikert.runtime.backend;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.Tensor;

/** W8ASpike weights on the CPU: INT8 codes ({@code weights}) or, in the float twin, code x scale as F32 ({@code fakeQuantized}). */
record HostInt8Matrix(String name, Int8Weights weights, Tensor fakeQuantized) implements Int8Matrix {
    @Override
    public int rows() {
        return weights != null ? weights.rows() : (int) fakeQuantized.dim(0);
    }

    @Override
    public int cols() {
        return weights != null ? weights.cols() : (int) fakeQuantized.dim(1);
    }
}
