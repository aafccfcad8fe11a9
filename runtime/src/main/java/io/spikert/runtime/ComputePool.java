package io.spikert.runtime;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The runtime's own worker threads. {@link #parallelFor} splits an index range into one contiguous
 * piece per thread and runs them at once; the caller's thread takes the first piece, so a pool of
 * one thread runs everything inline. Workers are daemon platform threads: kernels are CPU-bound and
 * must not be parked behind unrelated virtual-thread work.
 */
public final class ComputePool implements AutoCloseable {

    /** Work over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private final int threads;
    private final Thread[] workers;
    private final LinkedBlockingQueue<Runnable>[] inboxes;
    private volatile boolean closed;

    @SuppressWarnings("unchecked")
    public ComputePool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.inboxes = new LinkedBlockingQueue[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
            inboxes[i] = inbox;
            Thread t = new Thread(() -> workLoop(inbox), "spikert-compute-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** A pool with one thread per available processor. */
    public static ComputePool allCores() {
        return new ComputePool(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    private static void workLoop(LinkedBlockingQueue<Runnable> inbox) {
        while (true) {
            Runnable r;
            try {
                r = inbox.take();
            } catch (InterruptedException e) {
                return;
            }
            r.run();
        }
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
        if (parts == 1) {
            task.run(0, n);
            return;
        }
        CountDownLatch done = new CountDownLatch(parts - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int p = 1; p < parts; p++) {
            int start = Math.min(n, (int) ((long) units * p / parts) * grain);
            int end = Math.min(n, (int) ((long) units * (p + 1) / parts) * grain);
            inboxes[p - 1].add(() -> {
                try {
                    task.run(start, end);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            task.run(0, Math.min(n, (int) ((long) units / parts) * grain));
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the parts still touch caller memory: wait for them before returning
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error err) {
            throw err;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            t.interrupt();
        }
    }
}
