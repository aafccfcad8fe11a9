package io.spikert.model;

import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.ForwardingBackend;
import io.spikert.runtime.backend.Int8Matrix;
import io.spikert.runtime.backend.Matrix;
import io.spikert.runtime.backend.SpikeKernel;
import io.spikert.runtime.backend.Spikes;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that forwards every call to another one and, for a thread that {@link #arm armed} itself,
 * holds that thread's next product until {@code parties} armed threads have reached one. A test arms
 * each of its threads before a step, so every step's forward passes are all in flight at once (each
 * thread has embedded its tokens and stands at the step's first product) and then run side by side:
 * overlap is guaranteed, not left to the scheduler. Unarmed threads pass straight through.
 */
final class RendezvousBackend extends ForwardingBackend {
    private final CyclicBarrier barrier;
    private final AtomicInteger meetings = new AtomicInteger();
    private final ThreadLocal<Boolean> armed = ThreadLocal.withInitial(() -> false);

    RendezvousBackend(Backend delegate, int parties) {
        super(delegate);
        this.barrier = new CyclicBarrier(parties, meetings::incrementAndGet);
    }

    /** The calling thread's next product waits for the other parties' (at most 30 s, then it fails). */
    void arm() {
        armed.set(true);
    }

    /** How many times all parties have met. */
    int meetings() {
        return meetings.get();
    }

    private void meet() {
        if (!armed.get()) {
            return;
        }
        armed.set(false);
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at the rendezvous", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("the other sessions' threads did not reach the rendezvous", e);
        }
    }

    @Override
    public String name() {
        return "rendezvous over " + delegate.name();
    }

    @Override
    public void linear(Matrix w, Floats x, int rows, Floats y) {
        meet();
        delegate.linear(w, x, rows, y);
    }

    @Override
    public SpikeKernel[] spikeLinear(Int8Matrix w, Spikes spikes, int rows, Floats y) {
        meet();
        return delegate.spikeLinear(w, spikes, rows, y);
    }

    @Override
    public void int8Linear(Int8Matrix w, Floats x, int rows, Floats y) {
        meet();
        delegate.int8Linear(w, x, rows, y);
    }
}
