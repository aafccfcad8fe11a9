package io.spikert.bench.gpu;

import io.spikert.model.device.DeviceWeightSource;
import io.spikert.runtime.DType;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceBuffer;
import io.spikert.runtime.gpu.DeviceMatrix;
import java.util.Arrays;

/**
 * Weights for a {@link io.spikert.model.device.DeviceModel} made on the device, so the 7B shape runs
 * without a 15 GB checkpoint on disk or on the bus: every matrix BF16, tiled from {@link DeviceMemory}'s
 * seed pattern (values in [-1/16, 1/16)); norm weights 1; biases 0. The numbers mean nothing, the
 * traffic and the work are those of the real model. Close it after the upload to free the seeds.
 */
final class SyntheticDeviceWeights implements DeviceWeightSource, AutoCloseable {
    private final DeviceMemory seeds;

    SyntheticDeviceWeights(DeviceMemory seeds) {
        this.seeds = seeds;
    }

    @Override
    public boolean contains(String name) {
        return true; // every published tensor, lm_head included (untied, as published)
    }

    @Override
    public DeviceMatrix matrix(String name, int rows, int cols, DeviceArena arena) {
        long elements = (long) rows * cols;
        DeviceBuffer b = arena.allocate(2 * elements, "weight " + name);
        seeds.fillBf16(b.pointer(), elements);
        return new DeviceMatrix(name, DType.BF16, rows, cols, b.pointer());
    }

    @Override
    public DeviceBuffer vector(String name, int n, DeviceArena arena) {
        float[] values = new float[n];
        if (name.endsWith("norm.weight")) {
            Arrays.fill(values, 1f);
        }
        return arena.upload(values, "vector " + name);
    }

    @Override
    public void close() {
        seeds.close();
    }
}
