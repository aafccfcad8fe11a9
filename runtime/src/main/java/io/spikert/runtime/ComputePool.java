package io.spikert.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The runtime's own worker threads. {@link #parallelFor} splits an index range into one contiguous
 * piece per thread and runs them at once; the caller's thread takes the first piece, so a pool of
 * one thread runs everything inline.
 *
 * <p>A decode step issues a few hundred short parallel regions, so hand-off latency matters: workers
 * spin briefly for the next piece before parking, and the caller spins briefly before parking while
 * it waits for the others. Workers are daemon platform threads. Regions from different caller threads
 * run one after another; a region started from inside a worker runs inline, so nesting cannot deadlock.
 */
public final class ComputePool implements AutoCloseable {

    /** Work over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** Spin this long for new work or for completion before parking (covers the gap between kernels of one token). */
    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock regionLock = new ReentrantLock();
    private volatile boolean closed;

    public ComputePool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(this, "spikert-compute-" + (i + 1));
            workers[i].start();
        }
    }

    /** A pool with one thread per available processor. */
    public static ComputePool allCores() {
        return new ComputePool(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over [0, n) split evenly across the pool's threads; returns when all parts are done. */
    public void parallelFor(int n, RangeTask task) {
        parallelFor(n, 1, task);
    }

    /**
     * Like {@link #parallelFor(int, RangeTask)}, with every split point a multiple of {@code grain}
     * (for example a cache line of rows, or a SIMD width), except the end of the range.
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        if (closed) {
            throw new IllegalStateException("compute pool is closed");
        }
        if (n <= 0) {
            return;
        }
        int units = (n + grain - 1) / grain;
        int parts = Math.min(threads, units);
        if (parts == 1 || Thread.currentThread() instanceof Worker) {
            task.run(0, n);
            return;
        }
        regionLock.lock();
        try {
            if (closed) { // closed while this caller waited for the lock: the workers are gone
                throw new IllegalStateException("compute pool is closed");
            }
            runRegion(n, grain, units, parts, task);
        } finally {
            regionLock.unlock();
        }
    }

    private void runRegion(int n, int grain, int units, int parts, RangeTask task) {
        var region = new Region(parts - 1, Thread.currentThread());
        for (int p = 1; p < parts; p++) {
            int start = Math.min(n, (int) ((long) units * p / parts) * grain);
            int end = Math.min(n, (int) ((long) units * (p + 1) / parts) * grain);
            workers[p - 1].hand(() -> region.run(task, start, end));
        }
        try {
            task.run(0, Math.min(n, (int) ((long) units / parts) * grain));
        } catch (Throwable t) {
            region.failure.compareAndSet(null, t);
        }
        region.awaitOthers(); // the parts touch caller memory: never return before they finish
        Throwable t = region.failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error err) {
            throw err;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Stops the workers. A region another thread is running finishes first (regions hold the region lock),
     * so no caller is left waiting for a piece a stopped worker will never run; later calls fail.
     */
    @Override
    public void close() {
        regionLock.lock();
        try {
            closed = true;
        } finally {
            regionLock.unlock();
        }
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    /** One parallel region: counts finished parts and wakes the caller when the last one ends. */
    private static final class Region {
        final AtomicInteger pending;
        final Thread caller;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Region(int parts, Thread caller) {
            this.pending = new AtomicInteger(parts);
            this.caller = caller;
        }

        void run(RangeTask task, int start, int end) {
            try {
                task.run(start, end);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }

        void awaitOthers() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (pending.get() != 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }

    private static final class Worker extends Thread {
        private final ComputePool pool;
        private volatile Runnable next;

        Worker(ComputePool pool, String name) {
            super(name);
            this.pool = pool;
            setDaemon(true);
        }

        /** Called only by the thread holding the pool's region lock, after the previous piece finished. */
        void hand(Runnable piece) {
            next = piece;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (!pool.closed) {
                Runnable piece = next;
                if (piece == null) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                    continue;
                }
                next = null;
                piece.run();
                idleSince = System.nanoTime();
            }
        }
    }
}
