package io.spikert.bench.harness;

import io.spikert.model.Architecture;
import io.spikert.model.ModelVariant;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.synthetic.SyntheticCheckpoint.Dims;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;

/** Weight bytes of a synthetic checkpoint before it is written, for the free-space check and the ETA. */
public final class SyntheticSize {
    private SyntheticSize() {}

    public static long weightBytes(Dims d, DType dtype) {
        return weightBytes(d, ModelVariant.BASE, dtype);
    }

    public static long weightBytes(Dims d, ModelVariant variant, DType dtype) {
        return weightBytes(d, Architecture.SPIKINGBRAIN, variant, dtype);
    }

    public static long weightBytes(Dims d, Architecture arch, ModelVariant variant, DType dtype) {
        long elements = SyntheticCheckpoint.tensorShapes(d, arch, variant).values().stream().mapToLong(Tensor::elementCount).sum();
        return elements * dtype.byteSize();
    }
}
