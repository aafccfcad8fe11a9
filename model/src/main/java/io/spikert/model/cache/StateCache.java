package io.spikert.model.cache;

import io.spikert.model.ModelIdentity;
import io.spikert.model.SessionSnapshot;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link SessionSnapshot}s of one model keyed by the token ids they were taken after, so a conversation that comes
 * back with more tokens (a client resends the whole conversation each turn) resumes from the longest cached prefix
 * of its tokens and runs only the rest.
 *
 * <p>Bounded by a budget of snapshot bytes ({@link SessionSnapshot#bytes()}, the heap they hold): putting a
 * snapshot evicts the least recently used ones (put or found by {@link #longestPrefix}) until the total fits, so
 * the total never exceeds the budget. <b>A snapshot larger than the whole budget is not cached</b> ({@link #put}
 * returns false and nothing is evicted for it).
 *
 * <p>Thread-safe: every method holds one lock, briefly (no snapshot is copied; a lookup compares token ids with
 * each entry, O(entries x matched length), microseconds for thousands of entries beside a decode step's
 * milliseconds). Snapshots are immutable, so a caller may restore a snapshot it found while another thread evicts
 * it. Counters of hits, misses, evictions and the tokens hits saved are kept for metrics ({@link #stats()}).
 */
public final class StateCache {
    /** A cached snapshot and how many of the looked-up tokens it covers (its position). */
    public record Hit(SessionSnapshot snapshot, int length) {
    }

    /**
     * The counters since the cache was made, and its contents now.
     *
     * @param hits        lookups that found a cached prefix
     * @param misses      lookups that found none
     * @param hitTokens   tokens the hits covered (what resuming saved running; a response's {@code cached_tokens})
     * @param evictions   snapshots evicted to keep within the budget (not those replaced under the same tokens)
     * @param refused     snapshots not cached because each alone exceeded the budget
     * @param entries     snapshots held now
     * @param bytes       their bytes now, at most {@code budgetBytes}
     * @param budgetBytes the budget
     */
    public record Stats(long hits, long misses, long hitTokens, long evictions, long refused, int entries, long bytes,
                        long budgetBytes) {
    }

    /** Token ids compared by content. */
    private record Key(int[] tokens) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(tokens, k.tokens);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokens);
        }
    }

    private final ModelIdentity model;
    private final long budgetBytes;
    /** Least recently used first (access order). */
    private final LinkedHashMap<Key, SessionSnapshot> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;
    private long hitTokens;
    private long evictions;
    private long refused;

    /**
     * An empty cache for the snapshots of {@code model}, holding at most {@code budgetBytes} of them.
     *
     * @throws IllegalArgumentException for a negative budget
     */
    public StateCache(ModelIdentity model, long budgetBytes) {
        this.model = Objects.requireNonNull(model, "model");
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("state cache budget: " + budgetBytes + " bytes is negative");
        }
        this.budgetBytes = budgetBytes;
    }

    public ModelIdentity model() {
        return model;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /**
     * Caches {@code snapshot} as the state after {@code tokens} (copied), replacing any snapshot cached for the same
     * tokens, and evicts the least recently used others until the total fits the budget.
     *
     * @return false, caching nothing and evicting nothing, when the snapshot alone exceeds the budget
     * @throws IllegalArgumentException when {@code tokens} is empty, its length is not the snapshot's position, or
     *                                  the snapshot belongs to another model than the cache's
     */
    public boolean put(int[] tokens, SessionSnapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        if (tokens.length == 0) {
            throw new IllegalArgumentException("state cache: no tokens to key a snapshot by");
        }
        if (tokens.length != snapshot.position()) {
            throw new IllegalArgumentException("state cache: " + tokens.length + " tokens for " + snapshot
                    + "; a snapshot is keyed by the tokens it was taken after, as many as its position");
        }
        if (!snapshot.model().equals(model)) {
            throw new IllegalArgumentException("state cache of " + model + ": " + snapshot + " belongs to another model");
        }
        synchronized (this) {
            if (snapshot.bytes() > budgetBytes) {
                refused++;
                return false;
            }
            SessionSnapshot replaced = entries.put(new Key(tokens.clone()), snapshot);
            bytes += snapshot.bytes() - (replaced == null ? 0 : replaced.bytes());
            Iterator<Map.Entry<Key, SessionSnapshot>> eldest = entries.entrySet().iterator();
            while (bytes > budgetBytes) {
                // the snapshot just put is the most recent and fits alone, so an older one is found first
                SessionSnapshot evicted = eldest.next().getValue();
                eldest.remove();
                bytes -= evicted.bytes();
                evictions++;
            }
            return true;
        }
    }

    /** {@link #longestPrefix(int[], int)} over all of {@code tokens}: an exact match counts. */
    public Optional<Hit> longestPrefix(int[] tokens) {
        return longestPrefix(tokens, tokens.length);
    }

    /**
     * The snapshot cached for the longest prefix of {@code tokens} no longer than {@code maxLength} tokens, which
     * becomes the most recently used; counted as a hit or a miss. A caller that needs logits after resuming passes
     * {@code tokens.length - 1}, so at least one token is left to run (snapshots hold no logits).
     */
    public synchronized Optional<Hit> longestPrefix(int[] tokens, int maxLength) {
        int limit = Math.min(tokens.length, Math.max(0, maxLength));
        Key best = null;
        for (Key k : entries.keySet()) {
            int n = k.tokens.length;
            if (n <= limit && (best == null || n > best.tokens.length) && Arrays.equals(k.tokens, 0, n, tokens, 0, n)) {
                best = k;
            }
        }
        if (best == null) {
            misses++;
            return Optional.empty();
        }
        SessionSnapshot s = entries.get(best); // marks it the most recently used
        hits++;
        hitTokens += best.tokens.length;
        return Optional.of(new Hit(s, best.tokens.length));
    }

    /** Snapshots held now. */
    public synchronized int size() {
        return entries.size();
    }

    /** Bytes of the snapshots held now, at most {@link #budgetBytes()}. */
    public synchronized long bytes() {
        return bytes;
    }

    public synchronized Stats stats() {
        return new Stats(hits, misses, hitTokens, evictions, refused, entries.size(), bytes, budgetBytes);
    }

    @Override
    public synchronized String toString() {
        return "StateCache[" + model + ", " + entries.size() + " snapshots, " + bytes + " of " + budgetBytes + " bytes]";
    }
}
