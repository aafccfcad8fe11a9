package io.spikert.model;

import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.SpikeKernel;

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
final class RendezvousBackend implements Backend {
    private final Backend delegate;
    private final CyclicBarrier barrier;
    private final AtomicInteger meetings = new AtomicInteger();
    private final ThreadLocal<Boolean> armed = ThreadLocal.withInitial(() -> false);

    RendezvousBackend(Backend delegate, int parties) {
        this.delegate = delegate;
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
    public ComputePool pool() {
        return delegate.pool();
    }

    @Override
    public void linear(Tensor w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        meet();
        delegate.linear(w, x, xOff, tokens, y, yOff);
    }

    @Override
    public SpikeKernel spikeLinear(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff) {
        meet();
        return delegate.spikeLinear(w, counts, cOff, vth, y, yOff);
    }

    @Override
    public void int8Linear(Int8Weights w, float[] x, int xOff, float[] y, int yOff) {
        meet();
        delegate.int8Linear(w, x, xOff, y, yOff);
    }

    @Override
    public SpikeKernel[] spikeLinearBatch(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff) {
        meet();
        return delegate.spikeLinearBatch(w, counts, cOff, vth, tokens, y, yOff);
    }

    @Override
    public void int8LinearBatch(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        meet();
        delegate.int8LinearBatch(w, x, xOff, tokens, y, yOff);
    }

    @Override
    public long weightBytesRead() {
        return delegate.weightBytesRead();
    }

    @Override
    public void checkWeight(Tensor w) {
        delegate.checkWeight(w);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
