package io.spikert.runtime.gpu;

import io.spikert.runtime.backend.WeightVector;

/** A bias or norm weight in device memory, F32. */
public record DeviceVector(String name, long pointer, int size) implements WeightVector {
}
