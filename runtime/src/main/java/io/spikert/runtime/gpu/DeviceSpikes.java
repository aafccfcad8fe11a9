package io.spikert.runtime.gpu;

import io.spikert.runtime.backend.Spikes;

/** Spike counts (int32 [rows][n], n at most width) and thresholds (F32 [rows]) in device memory. */
public record DeviceSpikes(long counts, long vth, int rows, int width) implements Spikes {
}
