package io.spikert.model.layers;

import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.ForwardingBackend;
import io.spikert.runtime.backend.Int8Matrix;
import io.spikert.runtime.backend.SpikeKernel;
import io.spikert.runtime.backend.Spikes;

/**
 * A backend whose spiking products also report their input's counts to a {@link SpikeObserver}: after
 * each product the counts come back to the host (a copy per product on a GPU, which only an observed
 * run pays), and the observer sees every token's counts with the kernel its product used.
 */
public final class SpikeObservingBackend extends ForwardingBackend {
    private final SpikeObserver observer;

    public SpikeObservingBackend(Backend delegate, SpikeObserver observer) {
        super(delegate);
        this.observer = observer;
    }

    @Override
    public SpikeKernel[] spikeLinear(Int8Matrix w, Spikes spikes, int rows, Floats y) {
        SpikeKernel[] used = delegate.spikeLinear(w, spikes, rows, y);
        int in = w.cols();
        int[] counts = new int[rows * in];
        float[] vth = new float[rows];
        delegate.download(spikes, rows, in, counts, vth);
        for (int t = 0; t < rows; t++) {
            observer.onSpikes(w.name(), counts, t * in, in, vth[t], used[t]);
        }
        return used;
    }

    /** The observer only watches: the delegate belongs to whoever made it. */
    @Override
    public void close() {
    }
}
