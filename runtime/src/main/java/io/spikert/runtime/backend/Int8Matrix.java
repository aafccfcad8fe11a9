package io.spikert.runtime.backend;

/**
 * W8ASpike weights bound to a backend: INT8 group codes with their scales (outliers kept exact), or on
 * the CPU their float fake-quantisation twin (code x scale as F32). [rows = out, cols = in].
 */
public interface Int8Matrix {
    String name();

    int rows();

    int cols();
}
