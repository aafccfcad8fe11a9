package io.spikert.model.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE: the vocabulary (byte-level strings to ids) and the ranked merges. A word is split
 * into single-byte tokens and the adjacent pair with the lowest rank is merged until none merges,
 * the leftmost pair first on equal rank, as HF tokenizers' BPE does.
 */
final class BpeModel {
    private final Map<String, Integer> ids;
    private final String[] tokens;          // by id; null where the vocabulary has no such id
    private final int[] byteTokenIds = new int[256];
    private final PairRankMap ranks;
    private final int[] mergeResult;        // by rank: the id of the merged token

    /**
     * @param vocab  byte-level token string to id
     * @param merges merge rules in rank order, each {left, right}
     * @throws IllegalArgumentException when the vocabulary is malformed
     * @throws BadMerge when a merge uses a token missing from the vocabulary
     */
    BpeModel(Map<String, Integer> vocab, List<String[]> merges) {
        this.ids = vocab;
        int maxId = -1;
        long limit = idLimit(vocab.size());
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (id < 0) {
                throw new IllegalArgumentException("negative id " + id + " for token \"" + e.getKey() + "\"");
            }
            if (id >= limit) {
                throw new IllegalArgumentException("id " + id + " of token \"" + e.getKey() + "\" is not below " + limit
                        + ", the most " + vocab.size() + " tokens may use (twice their number plus " + ID_SLACK + ")");
            }
            maxId = Math.max(maxId, id);
        }
        tokens = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (tokens[id] != null) {
                throw new IllegalArgumentException("id " + id + " is used by both \"" + tokens[id] + "\" and \"" + e.getKey() + "\"");
            }
            tokens[id] = e.getKey();
        }
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.charOf(b)));
            byteTokenIds[b] = id == null ? -1 : id;
        }
        ranks = new PairRankMap(merges.size());
        mergeResult = new int[merges.size()];
        int rank = 0;
        for (int i = 0; i < merges.size(); i++) {
            String[] m = merges.get(i);
            Integer left = vocab.get(m[0]);
            Integer right = vocab.get(m[1]);
            Integer merged = vocab.get(m[0] + m[1]);
            if (left == null || right == null || merged == null) {
                String missing = left == null ? m[0] : right == null ? m[1] : m[0] + m[1];
                throw new BadMerge(i, "merge \"" + m[0] + " " + m[1]
                        + "\" uses \"" + missing + "\", which is not in the vocabulary");
            }
            // A repeated pair keeps its first (lowest) rank, as HF does when it builds its merge map.
            if (ranks.putIfAbsent(left, right, rank)) {
                mergeResult[rank++] = merged;
            }
        }
    }

    /** Ids up to this many beyond twice the token count are accepted (see {@link #idLimit}). */
    static final int ID_SLACK = 256;

    /**
     * The bound on the ids of {@code entries} tokens: twice their number plus {@link #ID_SLACK}. Real
     * vocabularies are dense (Qwen2.5: ids 0..151664 for 151665 tokens), and tables indexed by id are sized
     * by the largest id, so an id must not ask for more than a small multiple of what the file defines
     * (a 16-byte {@code {"a": 500000000}} would otherwise ask for 2 GB).
     */
    static long idLimit(long entries) {
        return 2 * entries + ID_SLACK;
    }

    /** The first byte (0..255) the vocabulary has no single-byte token for, or -1 when it has all 256. */
    int firstMissingByte() {
        for (int b = 0; b < 256; b++) {
            if (byteTokenIds[b] < 0) {
                return b;
            }
        }
        return -1;
    }

    /** Highest vocabulary id + 1. */
    int size() {
        return tokens.length;
    }

    /** Tokens in the vocabulary (at most {@link #size()}: ids may have holes). */
    int entries() {
        return ids.size();
    }

    /** The byte-level string of an id, or null when the vocabulary lacks it. */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    Integer id(String token) {
        return ids.get(token);
    }

    /** BPE of one pre-tokenized word given as UTF-8 bytes. */
    int[] encodeWord(byte[] bytes) {
        int n = bytes.length;
        int[] sym = new int[n];
        for (int i = 0; i < n; i++) {
            int id = byteTokenIds[bytes[i] & 0xFF];
            if (id < 0) {
                throw new IllegalArgumentException(String.format(
                        "the vocabulary has no token for byte 0x%02X (\"%c\")", bytes[i] & 0xFF, ByteLevel.charOf(bytes[i] & 0xFF)));
            }
            sym[i] = id;
        }
        if (n < 2) {
            return sym;
        }
        // Symbols form a linked list over positions; a merged symbol keeps its left position, so
        // heap keys (rank << 32 | position) pop the lowest rank first and the leftmost on ties.
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int r = ranks.get(sym[i], sym[i + 1]);
            if (r >= 0) {
                heap.push(((long) r << 32) | i);
            }
        }
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int r = (int) (top >>> 32);
            int i = (int) top;
            int j;
            // Stale entries: the left symbol was absorbed, or either side has changed since the push.
            if (sym[i] < 0 || (j = next[i]) < 0 || ranks.get(sym[i], sym[j]) != r) {
                continue;
            }
            sym[i] = mergeResult[r];
            sym[j] = -1;
            int k = next[j];
            next[i] = k;
            if (k >= 0) {
                prev[k] = i;
                int rr = ranks.get(sym[i], sym[k]);
                if (rr >= 0) {
                    heap.push(((long) rr << 32) | i);
                }
            }
            int p = prev[i];
            if (p >= 0) {
                int rl = ranks.get(sym[p], sym[i]);
                if (rl >= 0) {
                    heap.push(((long) rl << 32) | p);
                }
            }
            alive--;
        }
        int[] out = new int[alive];
        int o = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            out[o++] = sym[i];
        }
        return out;
    }

    /** A merge rule that cannot apply to this vocabulary; {@code index} counts merges from 0. */
    static final class BadMerge extends IllegalArgumentException {
        final int index;

        BadMerge(int index, String message) {
            super(message);
            this.index = index;
        }
    }

    /** Binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) {
                    break;
                }
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && a[child + 1] < a[child]) {
                    child++;
                }
                if (a[child] >= last) {
                    break;
                }
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
            return top;
        }
    }
}
