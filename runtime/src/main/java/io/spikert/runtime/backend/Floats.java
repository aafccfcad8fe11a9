package io.spikert.runtime.backend;

/**
 * F32 activations a backend owns (heap arrays on the CPU, device memory on a GPU), row-major
 * [rows, features]; a handle starts at some float of its buffer and reaches its end. Operators read
 * and write from a handle's start, so {@link #at} addresses a row of a larger buffer.
 */
public interface Floats {
    /** Floats from this handle's start to the end of its buffer. */
    long size();

    /** The handle {@code offset} floats further in. */
    Floats at(long offset);
}
