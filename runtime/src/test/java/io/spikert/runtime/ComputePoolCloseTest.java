package io.spikert.runtime;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Closing a pool while another thread runs parallel regions on it ends that thread's work with the
 * pool's closed error, never a wait for a piece no worker will run. (Before the fix the caller parked
 * for ever in the first trial: the workers left their loop without running the piece just handed.)
 */
class ComputePoolCloseTest {
    @Test
    void closeUnderRunningRegionsReleasesTheirCaller() throws InterruptedException {
        for (int trial = 0; trial < 20; trial++) {
            var pool = new ComputePool(2);
            var ended = new AtomicReference<Throwable>();
            Thread caller = new Thread(() -> {
                try {
                    while (true) {
                        pool.parallelFor(64, (start, end) -> {
                            double x = 0;
                            for (int i = start; i < end; i++) {
                                x += Math.sqrt(i);
                            }
                            if (x < 0) {
                                throw new AssertionError();
                            }
                        });
                    }
                } catch (Throwable t) {
                    ended.set(t);
                }
            }, "pool-close-caller");
            caller.setDaemon(true); // a caller left waiting by a failure must not keep the test JVM alive
            caller.start();
            Thread.sleep(5);
            pool.close();
            caller.join(5000);
            assertFalse(caller.isAlive(), "trial " + trial + ": the caller still waits 5 s after close, in "
                    + java.util.Arrays.toString(caller.getStackTrace()));
            assertInstanceOf(IllegalStateException.class, ended.get(), "trial " + trial);
            assertEquals("compute pool is closed", ended.get().getMessage());
        }
    }
}
