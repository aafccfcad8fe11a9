package io.spikert.runtime.backend;

import io.spikert.kernels.QuantWeights;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The CPU's {@link Memory}: weights are multiplied where they lie, so binding only checks them; activations
 * and states are heap arrays, which the collector frees once the owner drops them ({@link #close} only
 * marks the memory closed).
 */
final class HeapMemory implements Memory {
    private final CpuBackend backend;
    private final String owner;
    private final List<RecurrentState> states = new ArrayList<>();
    private long activationBytes;
    private boolean closed;

    HeapMemory(CpuBackend backend, String owner) {
        this.backend = backend;
        this.owner = owner;
    }

    @Override
    public Matrix matrix(Tensor weight) {
        open();
        backend.checkWeight(weight);
        return new HostMatrix(weight);
    }

    @Override
    public Int8Matrix int8(String name, Int8Weights weights) {
        open();
        return new HostInt8Matrix(name, weights, null);
    }

    @Override
    public QuantMatrix quantized(String name, QuantWeights weights) {
        open();
        return new HostQuantMatrix(name, weights);
    }

    @Override
    public Int8Matrix fakeQuantized(String name, Tensor quantized) {
        open();
        backend.checkWeight(quantized);
        return new HostInt8Matrix(name, null, quantized);
    }

    @Override
    public WeightVector vector(String name, float[] values) {
        open();
        return new HostVector(name, values);
    }

    @Override
    public Floats floats(long count, String label) {
        open();
        activationBytes += 4 * count;
        return new HeapFloats(new float[checkedSize(count, label)], 0);
    }

    @Override
    public Ints ints(int count, String label) {
        open();
        activationBytes += 4L * count;
        return new HeapInts(new int[checkedSize(count, label)]);
    }

    @Override
    public Spikes spikes(int rows, int width, String label) {
        open();
        activationBytes += 4L * rows * width + 4L * rows;
        return new HeapSpikes(new int[checkedSize((long) rows * width, label)], new float[rows], width);
    }

    @Override
    public GlaState glaState(int kvHeads, int headDim) {
        open();
        return remember(new HeapGlaState(kvHeads, headDim));
    }

    /** A ring of W + 1 slots at most, grown as positions arrive: a chunk's tokens enter it one at a time. */
    @Override
    public KvCache kvCache(int kvHeads, int queryHeads, int headDim, int window, int chunk, KvPrecision precision) {
        open();
        return remember(new KvRing(kvHeads, window, headDim, precision));
    }

    private <S extends RecurrentState> S remember(S state) {
        states.add(state);
        return state;
    }

    /** The activations, plus each state at its most (a ring's full W + 1 slots). */
    @Override
    public long bytes() {
        long total = activationBytes;
        for (RecurrentState s : states) {
            total += s.bytes();
        }
        return total;
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("the CPU memory of " + owner + " was closed");
        }
    }

    private static int checkedSize(long count, String label) {
        if (count < 0 || count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(label + ": " + count + " elements do not fit one array");
        }
        return (int) count;
    }

    @Override
    public void close() {
        closed = true;
        states.clear();
    }
}
