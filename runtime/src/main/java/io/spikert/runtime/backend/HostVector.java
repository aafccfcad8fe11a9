package io.spikert.runtime.backend;

/** A bias or norm weight on the CPU. */
record HostVector(String name, float[] values) implements WeightVector {
    @Override
    public int size() {
        return values.length;
    }
}
