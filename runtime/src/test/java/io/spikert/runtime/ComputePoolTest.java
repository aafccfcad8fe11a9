package io.spikert.runtime;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

class ComputePoolTest {
    @Test
    void everyIndexRunsExactlyOnceWithSplitsOnTheGrain() {
        try (var pool = new ComputePool(3)) {
            for (int n : new int[] {1, 2, 15, 16, 17, 100, 1001}) {
                for (int grain : new int[] {1, 4, 16}) {
                    var hits = new AtomicIntegerArray(n);
                    var starts = ConcurrentHashMap.<Integer>newKeySet();
                    pool.parallelFor(n, grain, (start, end) -> {
                        starts.add(start);
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "n=" + n + " grain=" + grain + " index " + i);
                    }
                    for (int s : starts) {
                        assertEquals(0, s % grain, "split at " + s + " is not on the grain " + grain);
                    }
                    assertTrue(starts.size() <= 3);
                }
            }
        }
    }

    @Test
    void usesSeveralThreadsAndPropagatesFailures() {
        try (var pool = new ComputePool(2)) {
            var threads = ConcurrentHashMap.<String>newKeySet();
            pool.parallelFor(2, (s, e) -> threads.add(Thread.currentThread().getName()));
            assertEquals(2, threads.size());
            var e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(10, (s, end) -> {
                if (s > 0) {
                    throw new IllegalStateException("boom in worker");
                }
            }));
            assertEquals("boom in worker", e.getMessage());
            // the pool still works after a failure
            var hits = new AtomicIntegerArray(10);
            pool.parallelFor(10, (s, end) -> {
                for (int i = s; i < end; i++) {
                    hits.incrementAndGet(i);
                }
            });
            assertEquals(1, hits.get(9));
        }
    }

    @Test
    void rejectsBadArgumentsAndUseAfterClose() {
        assertThrows(IllegalArgumentException.class, () -> new ComputePool(0));
        var pool = new ComputePool(1);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.parallelFor(1, (s, e) -> { }));
    }
}
