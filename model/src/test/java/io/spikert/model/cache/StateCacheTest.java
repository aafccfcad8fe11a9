package io.spikert.model.cache;

import io.spikert.model.Session;
import io.spikert.model.SessionSnapshot;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The state cache on real snapshots of a small synthetic model (window 5, so every snapshot from position 5 on has
 * the same size): longest-prefix lookups, least-recently-used eviction, the byte budget, bad input, and many threads
 * at once.
 */
class StateCacheTest {
    private static final SyntheticCheckpoint.Dims SMALL = new SyntheticCheckpoint.Dims(300, 64, 4, 4, 2, 96, 5);
    /** snaps[n]: a snapshot at position n, n = 0 .. 12. */
    private static final SessionSnapshot[] snaps = new SessionSnapshot[13];
    private static SessionSnapshot otherModels;
    private static CpuBackend cpu;
    private static SpikingBrainModel model;

    @BeforeAll
    static void snapshots(@TempDir Path dir) throws IOException {
        cpu = new CpuBackend(1);
        SyntheticCheckpoint.write(dir.resolve("a"), SMALL, DType.F32, 7L, b -> { }, false);
        SyntheticCheckpoint.write(dir.resolve("b"), SMALL, DType.F32, 8L, b -> { }, false);
        model = SpikingBrainModel.load(dir.resolve("a"), cpu);
        Session s = model.newSession(4);
        for (int n = 0; n < snaps.length; n++) {
            snaps[n] = s.snapshot();
            s.decode(n + 1);
        }
        try (var other = SpikingBrainModel.load(dir.resolve("b"), cpu)) {
            Session o = other.newSession(4);
            o.decode(1);
            otherModels = o.snapshot();
        }
    }

    @AfterAll
    static void close() {
        model.close();
        cpu.close();
    }

    /** Bytes of a snapshot past the window (positions 5 and on). */
    private static long full() {
        return snaps[6].bytes();
    }

    private static StateCache cache(long budget) {
        return new StateCache(model.identity(), budget);
    }

    /** {@code n} tokens all {@code first}: a key of length n told apart from others by its first token. */
    private static int[] key(int first, int n) {
        int[] t = new int[n];
        java.util.Arrays.fill(t, first);
        return t;
    }

    private static int found(Optional<StateCache.Hit> hit) {
        return hit.map(StateCache.Hit::length).orElse(0);
    }

    @Test
    void theLongestCachedPrefixIsFound() {
        assertTrue(snaps[5].bytes() == full() && snaps[3].bytes() < full(), "the window fills at position 5");
        StateCache c = cache(100 * full());
        assertTrue(c.put(new int[] {1, 2, 3}, snaps[3]));
        assertTrue(c.put(new int[] {1, 2, 3, 4, 5}, snaps[5]));
        assertTrue(c.put(new int[] {1, 2, 9, 9}, snaps[4]));

        assertEquals(Optional.empty(), c.longestPrefix(new int[] {7, 8}), "no match");
        assertEquals(Optional.empty(), c.longestPrefix(new int[0]), "no tokens");
        var exact = c.longestPrefix(new int[] {1, 2, 3}).orElseThrow();
        assertEquals(3, exact.length(), "an exact match");
        assertSame(snaps[3], exact.snapshot());
        var longer = c.longestPrefix(new int[] {1, 2, 3, 4, 5, 6, 7}).orElseThrow();
        assertEquals(5, longer.length(), "the longest of two cached prefixes");
        assertSame(snaps[5], longer.snapshot());
        assertEquals(3, found(c.longestPrefix(new int[] {1, 2, 3, 4})), "a longer cached entry is not a prefix");
        assertEquals(0, found(c.longestPrefix(new int[] {1, 2, 9})), "[1, 2, 9, 9] is longer than [1, 2, 9]");
        assertEquals(4, found(c.longestPrefix(new int[] {1, 2, 9, 9, 1})));
        assertEquals(3, found(c.longestPrefix(new int[] {1, 2, 3, 4, 5}, 4)), "at most 4 tokens: one is left to run");
        assertEquals(0, found(c.longestPrefix(new int[] {1, 2, 3}, -1)));

        var stats = c.stats();
        assertEquals(5, stats.hits());
        assertEquals(4, stats.misses());
        assertEquals(3 + 5 + 3 + 4 + 3, stats.hitTokens());
        assertEquals(3, stats.entries());
        assertEquals(snaps[3].bytes() + snaps[5].bytes() + snaps[4].bytes(), stats.bytes());
    }

    @Test
    void theKeyIsCopiedAndAReplacedSnapshotIsCountedOnce() {
        StateCache c = cache(10 * full());
        int[] tokens = {4, 5, 6, 7, 8, 9};
        c.put(tokens, snaps[6]);
        tokens[0] = 99; // the caller reuses its array
        assertEquals(6, found(c.longestPrefix(new int[] {4, 5, 6, 7, 8, 9})));
        c.put(new int[] {4, 5, 6, 7, 8, 9}, snaps[6]);
        assertEquals(1, c.size());
        assertEquals(full(), c.bytes(), "a replaced snapshot's bytes are not counted twice");
        assertEquals(0, c.stats().evictions());
    }

    @Test
    void theLeastRecentlyUsedIsEvictedFirst() {
        StateCache c = cache(3 * full());
        c.put(key(1, 6), snaps[6]);
        c.put(key(2, 7), snaps[7]);
        c.put(key(3, 8), snaps[8]);
        assertEquals(6, found(c.longestPrefix(key(1, 9)))); // 1 used: 2 is now the least recent
        c.put(key(4, 6), snaps[6]);
        assertEquals(1, c.stats().evictions());
        assertEquals(3, c.size());
        assertEquals(0, found(c.longestPrefix(key(2, 7))), "2 was evicted");
        assertEquals(6, found(c.longestPrefix(key(1, 6))));
        assertEquals(8, found(c.longestPrefix(key(3, 8))));
        // order now: 4, 1, 3 (least recent first); re-putting 4 makes it the most recent
        c.put(key(4, 6), snaps[6]);
        c.put(key(5, 6), snaps[6]);
        assertEquals(0, found(c.longestPrefix(key(1, 6))), "1 was the least recent");
        assertEquals(6, found(c.longestPrefix(key(4, 6))));
        assertEquals(2, c.stats().evictions());
    }

    @Test
    void theBudgetIsNeverExceededAndALargerSnapshotIsNotCached() {
        long budget = full() + snaps[2].bytes() + snaps[1].bytes();
        StateCache c = cache(budget);
        assertTrue(c.put(key(1, 1), snaps[1]));
        assertTrue(c.put(key(2, 2), snaps[2]));
        assertTrue(c.put(key(3, 6), snaps[6]));
        assertEquals(budget, c.bytes(), "exactly full");
        assertEquals(0, c.stats().evictions());
        assertTrue(c.put(key(4, 3), snaps[3]));
        assertTrue(c.bytes() <= budget, c.bytes() + " of " + budget);
        assertEquals(0, found(c.longestPrefix(key(1, 1))), "the oldest made room");

        StateCache small = cache(full() - 1);
        assertTrue(small.put(key(1, 4), snaps[4]));
        assertFalse(small.put(key(2, 6), snaps[6]), "larger than the whole budget");
        assertEquals(1, small.size(), "nothing evicted for a snapshot that is not cached");
        assertEquals(1, small.stats().refused());
        assertEquals(0, found(small.longestPrefix(key(2, 6))));

        StateCache none = cache(0);
        assertFalse(none.put(key(1, 1), snaps[1]));
        assertEquals(0, none.bytes());

        var random = new SplittableRandom(3);
        StateCache busy = cache(4 * full());
        for (int i = 0; i < 500; i++) {
            int n = 1 + random.nextInt(12);
            busy.put(key(random.nextInt(40), n), snaps[n]);
            assertTrue(busy.bytes() <= busy.budgetBytes(), "put " + i + ": " + busy.bytes() + " bytes");
        }
        assertTrue(busy.stats().evictions() > 0);
    }

    @Test
    void badInputIsRefusedNamingIt() {
        StateCache c = cache(10 * full());
        var e = assertThrows(IllegalArgumentException.class, () -> c.put(new int[] {1, 2}, snaps[3]));
        assertTrue(e.getMessage().contains("2 tokens for SessionSnapshot[") && e.getMessage().contains("position 3"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> c.put(new int[0], snaps[0]));
        assertTrue(e.getMessage().contains("no tokens"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> c.put(new int[] {1}, otherModels));
        assertTrue(e.getMessage().contains("belongs to another model"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> cache(-1));
        assertTrue(e.getMessage().contains("-1 bytes"), e.getMessage());
        assertEquals(0, c.size());
    }

    /**
     * Eight threads put and look up at once over keys of shared prefixes, while a ninth watches the budget: every
     * hit is a snapshot put for exactly that prefix, the budget holds throughout, and the counters add up.
     */
    @Test
    void manyThreadsAtOnce() throws Exception {
        StateCache c = cache(5 * full());
        int threads = 8;
        int operations = 3000;
        AtomicLong lookups = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            Future<Long> watcher = pool.submit(() -> {
                long looks = 0;
                while (!done.get()) {
                    assertTrue(c.bytes() <= c.budgetBytes(), "over budget: " + c.bytes());
                    looks++;
                }
                return looks;
            });
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                workers.add(pool.submit(() -> {
                    var random = new SplittableRandom(seed);
                    for (int i = 0; i < operations; i++) {
                        int first = random.nextInt(6);
                        int n = 1 + random.nextInt(12);
                        if (random.nextBoolean()) {
                            c.put(key(first, n), snaps[n]);
                        } else {
                            lookups.incrementAndGet();
                            c.longestPrefix(key(first, n)).ifPresent(hit -> {
                                assertSame(snaps[hit.length()], hit.snapshot(), "the snapshot put for that prefix");
                                assertTrue(hit.length() <= n);
                            });
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get(60, TimeUnit.SECONDS);
            }
            done.set(true);
            assertTrue(watcher.get(10, TimeUnit.SECONDS) > 0);
        } finally {
            done.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        var stats = c.stats();
        assertEquals(lookups.get(), stats.hits() + stats.misses());
        assertTrue(stats.hits() > 0 && stats.misses() > 0 && stats.evictions() > 0, stats.toString());
        assertTrue(stats.bytes() <= stats.budgetBytes());
        long sum = 0;
        for (int first = 0; first < 6; first++) {
            for (int n = 1; n <= 12; n++) {
                var hit = c.longestPrefix(key(first, n), n);
                if (hit.isPresent() && hit.get().length() == n) {
                    sum += snaps[n].bytes();
                }
            }
        }
        assertEquals(stats.bytes(), sum, "the bytes counted are those of the snapshots held");
    }
}
