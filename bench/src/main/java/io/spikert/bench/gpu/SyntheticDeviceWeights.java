package io.spikert.bench.gpu;

import io.spikert.model.ModelConfig;
import io.spikert.model.ModelVariant;
import io.spikert.model.ModelWeights;
import io.spikert.model.layers.Linear;
import io.spikert.model.layers.LowRankProjection;
import io.spikert.model.layers.Projection;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.Matrix;
import io.spikert.runtime.backend.WeightVector;
import io.spikert.runtime.gpu.DeviceBuffer;
import io.spikert.runtime.gpu.DeviceMatrix;

import java.util.Arrays;

/**
 * The base model's weights made on the device, so the 7B shape runs without a 15 GB checkpoint on disk or
 * on the bus: every matrix BF16, tiled from {@link DeviceMemory}'s seed pattern (values in [-1/16, 1/16));
 * norm weights 1; biases 0. The numbers mean nothing, the traffic and the work are those of the real
 * model. Close it after the model is built to free the seeds.
 */
final class SyntheticDeviceWeights implements ModelWeights, AutoCloseable {
    private final DeviceMemory seeds;
    private final io.spikert.runtime.gpu.DeviceMemory memory;

    /** {@code memory}: the model's weight memory on the GPU backend, which the weights are made in. */
    SyntheticDeviceWeights(DeviceMemory seeds, io.spikert.runtime.backend.Memory memory) {
        this.seeds = seeds;
        this.memory = (io.spikert.runtime.gpu.DeviceMemory) memory;
    }

    @Override
    public ModelVariant variant() {
        return ModelVariant.BASE;
    }

    @Override
    public boolean contains(String name) {
        return true; // every published tensor, lm_head included (untied, as published)
    }

    @Override
    public Matrix matrix(String name, int rows, int cols) {
        long elements = (long) rows * cols;
        DeviceBuffer b = memory.arena().allocate(2 * elements, "weight " + name);
        seeds.fillBf16(b.pointer(), elements);
        return new DeviceMatrix(name, DType.BF16, rows, cols, b.pointer());
    }

    @Override
    public WeightVector vector(String name, int n) {
        float[] values = new float[n];
        if (name.endsWith("norm.weight")) {
            Arrays.fill(values, 1f);
        }
        return memory.vector(name, values);
    }

    @Override
    public Projection projection(String prefix, int out, int in, boolean bias) {
        return linear(prefix, out, in, bias);
    }

    private Linear linear(String prefix, int out, int in, boolean bias) {
        return new Linear(matrix(prefix + ".weight", out, in), bias ? vector(prefix + ".bias", out) : null);
    }

    @Override
    public Projection glaGate(String attn, int kvDim, int hidden) {
        return new LowRankProjection(linear(attn + "gk_proj.0", ModelConfig.GATE_LOW_RANK, hidden, false),
                linear(attn + "gk_proj.1", kvDim, ModelConfig.GATE_LOW_RANK, true));
    }

    @Override
    public Projection down(String prefix, int out, int in) {
        return linear(prefix, out, in, false);
    }

    @Override
    public Projection lmHead(int vocab, int hidden) {
        return new Linear(matrix("lm_head.weight", vocab, hidden), null);
    }

    @Override
    public float querySpikeK() {
        return 0f;
    }

    @Override
    public void close() {
        seeds.close();
    }
}
