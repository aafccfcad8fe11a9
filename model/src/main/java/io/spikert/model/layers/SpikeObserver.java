package io.spikert.model.layers;

import io.spikert.runtime.backend.SpikeKernel;

/** Sees every spiked input as it is computed: for statistics, verbose kernel reports and pictures. */
@FunctionalInterface
public interface SpikeObserver {
    SpikeObserver NONE = (name, counts, off, n, vth, kernel) -> { };

    /**
     * One token's spike counts at the input of projection {@code name}; {@code kernel} is the product
     * kernel the backend chose, or null in the float fake-quantisation form.
     */
    void onSpikes(String name, int[] counts, int off, int n, float vth, SpikeKernel kernel);
}
