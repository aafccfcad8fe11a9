package io.spikert.runtime.gpu;

import io.spikert.runtime.backend.Ints;

/** Int32 token ids in device memory. */
public record DeviceInts(long pointer, int size) implements Ints {
}
