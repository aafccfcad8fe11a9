package io.spikert.runtime.backend;

import io.spikert.kernels.QuantFormat;

/**
 * A weight matrix quantised at load to a weight-only {@link QuantFormat} (q8 or q4, groups of 32 columns with one
 * scale each) and bound to a backend that multiplies it, nn.Linear layout [rows = out, cols = in]. The inputs stay
 * float: only the weights are coded. Not W8ASpike's INT8 form ({@link Int8Matrix}), whose inputs are spike counts.
 */
public interface QuantMatrix {
    String name();

    QuantFormat format();

    int rows();

    int cols();

    /** Bytes of its codes and scales. */
    long byteSize();
}
