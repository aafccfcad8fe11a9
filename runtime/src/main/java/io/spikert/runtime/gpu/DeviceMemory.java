package io.spikert.runtime.gpu;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.GlaState;
import io.spikert.runtime.backend.Int8Matrix;
import io.spikert.runtime.backend.Ints;
import io.spikert.runtime.backend.KvCache;
import io.spikert.runtime.backend.KvPrecision;
import io.spikert.runtime.backend.Matrix;
import io.spikert.runtime.backend.Memory;
import io.spikert.runtime.backend.Spikes;
import io.spikert.runtime.backend.WeightVector;

/**
 * A GPU's {@link Memory}: a {@link DeviceArena} whose weights are uploaded as bound (BF16 matrices stay
 * BF16, W8ASpike codes in {@link Int8DeviceLayout}) and whose activations and states are device buffers.
 */
public final class DeviceMemory implements Memory {
    private final DeviceArena arena;
    private DeviceBuffer swaScratch;

    public DeviceMemory(DeviceArena arena) {
        this.arena = arena;
    }

    /** The arena itself, for weights made on the device rather than uploaded (benchmarks' synthetic weights). */
    public DeviceArena arena() {
        return arena;
    }

    @Override
    public Matrix matrix(Tensor w) {
        if (w.rank() != 2 || (w.dtype() != DType.BF16 && w.dtype() != DType.F32)
                || w.dim(0) > Integer.MAX_VALUE || w.dim(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + w.name() + ": the GPU multiplies 2-D BF16 or F32 weights, not " + w);
        }
        DeviceBuffer b = arena.upload(w.data().asSlice(0, w.byteSize()), "weight " + w.name());
        return new DeviceMatrix(w.name(), w.dtype(), (int) w.dim(0), (int) w.dim(1), b.pointer());
    }

    @Override
    public Int8Matrix int8(String name, Int8Weights w) {
        float[] scales = new float[w.rows() * w.groups()];
        for (int r = 0; r < w.rows(); r++) {
            for (int g = 0; g < w.groups(); g++) {
                scales[r * w.groups() + g] = w.scale(r, g);
            }
        }
        return DeviceInt8Matrix.upload(arena, name, Int8DeviceLayout.from(w), scales);
    }

    @Override
    public Int8Matrix fakeQuantized(String name, Tensor quantized) {
        throw new UnsupportedOperationException(name + ": the GPU runs W8ASpike's integer form only, not its float twin");
    }

    @Override
    public WeightVector vector(String name, float[] values) {
        return new DeviceVector(name, arena.upload(values, "vector " + name).pointer(), values.length);
    }

    @Override
    public Floats floats(long count, String label) {
        return new DeviceFloats(arena.allocate(4 * count, label).pointer(), count);
    }

    @Override
    public Ints ints(int count, String label) {
        return new DeviceInts(arena.allocate(4L * count, label).pointer(), count);
    }

    @Override
    public Spikes spikes(int rows, int width, String label) {
        long counts = arena.allocate(4L * rows * width, label + " (counts)").pointer();
        long vth = arena.allocate(4L * rows, label + " (thresholds)").pointer();
        return new DeviceSpikes(counts, vth, rows, width);
    }

    @Override
    public GlaState glaState(int kvHeads, int headDim) {
        return new DeviceGlaState(arena.zeros(4L * kvHeads * headDim * headDim, "GLA state"), kvHeads, headDim);
    }

    /** A ring of W + chunk slots (see {@link DeviceKvRing}), allocated whole. */
    @Override
    public KvCache kvCache(int kvHeads, int queryHeads, int headDim, int window, int chunk, KvPrecision precision) {
        int capacity = Math.addExact(window - 1, chunk);
        long bytes = (long) precision.bytes() * kvHeads * capacity * headDim;
        long scratchBytes = DeviceOps.swaDecodeScratchBytes(queryHeads, kvHeads, headDim, window);
        if (swaScratch == null || swaScratch.bytes() < scratchBytes) {
            swaScratch = arena.allocate(scratchBytes, "SWA decode partials");
        }
        return new DeviceKvRing(arena.zeros(bytes, "SWA key ring"), arena.zeros(bytes, "SWA value ring"), capacity, kvHeads,
                queryHeads, headDim, window, precision, swaScratch);
    }

    @Override
    public long bytes() {
        return arena.bytes();
    }

    @Override
    public void close() {
        arena.close();
    }
}
