package io.spikert.model.device;

import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceBuffer;
import io.spikert.runtime.gpu.DeviceMatrix;

/**
 * Where a {@link DeviceModel}'s weights come from, by their published tensor names (MODEL.md section 2):
 * a checkpoint's tensors uploaded once, or synthetic weights made on the device for benchmarks. Each
 * call allocates in {@code arena}, which the model owns.
 */
public interface DeviceWeightSource {

    boolean contains(String name);

    /** Weight matrix {@code name} of shape [rows, cols], BF16 or F32 as stored. */
    DeviceMatrix matrix(String name, int rows, int cols, DeviceArena arena);

    /** Vector {@code name} of {@code n} values (a bias or a norm weight) as F32. */
    DeviceBuffer vector(String name, int n, DeviceArena arena);
}
