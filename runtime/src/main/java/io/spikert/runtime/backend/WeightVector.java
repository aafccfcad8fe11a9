package io.spikert.runtime.backend;

/** A bias or a norm weight bound to a backend, F32. */
public interface WeightVector {
    String name();

    int size();
}
