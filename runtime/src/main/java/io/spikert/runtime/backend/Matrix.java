package io.spikert.runtime.backend;

import io.spikert.runtime.DType;

/** A dense weight matrix bound to a backend, nn.Linear layout [rows = out, cols = in], BF16 or F32. */
public interface Matrix {
    String name();

    DType dtype();

    int rows();

    int cols();
}
