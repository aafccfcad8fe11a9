package io.spikert.model.tokenizer;

import java.util.Arrays;

/**
 * Open-addressing map from a token-id pair to its merge rank. A boxed HashMap of 151k pairs costs
 * several times the memory and is slower on the hot BPE path.
 */
final class PairRankMap {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final int[] values;
    private final int mask;

    PairRankMap(int expectedSize) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedSize * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    /** Stores the rank unless the pair is already present; returns false in that case. */
    boolean putIfAbsent(int left, int right, int rank) {
        long k = key(left, right);
        for (int i = slot(k) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == EMPTY) {
                keys[i] = k;
                values[i] = rank;
                return true;
            }
            if (keys[i] == k) {
                return false;
            }
        }
    }

    /** The rank of the pair, or -1 when the pair never merges. */
    int get(int left, int right) {
        long k = key(left, right);
        for (int i = slot(k) & mask; ; i = (i + 1) & mask) {
            long found = keys[i];
            if (found == k) {
                return values[i];
            }
            if (found == EMPTY) {
                return -1;
            }
        }
    }
}
