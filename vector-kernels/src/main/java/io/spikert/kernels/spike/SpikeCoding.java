package io.spikert.kernels.spike;

import java.util.Objects;

/**
 * How an integer spike count s expands over T virtual time steps into spikes (report section 3.3.2,
 * {@code Int2Spike}; MODEL.md section 4). A train is stored time-major, {@code train[t * n + i]} for
 * channel i at step t, with values in {-1, 0, 1} ({0, 1} for binary and two's complement), and
 * {@code s = sum_t weight(t, T) * train[t][i]} exactly.
 */
public enum SpikeCoding {
    /** s ones then zeros; only s >= 0. T = max s. */
    BINARY,
    /** |s| spikes of sign(s). T = max |s|. */
    TERNARY,
    /** The bits of |s|, most significant first, negated for s < 0. T = ceil(log2(max|s| + 1)). */
    BITWISE_BIDIRECTIONAL,
    /** Two's complement, the sign bit first with weight -2^(T-1). T = ceil(log2(max|s| + 1)) + 1. */
    BITWISE_TWOS_COMPLEMENT;

    /** Whether spikes carry binary place values (so the bit-plane form {@link SpikeBitPlanes} applies). */
    public boolean bitwise() {
        return this == BITWISE_BIDIRECTIONAL || this == BITWISE_TWOS_COMPLEMENT;
    }

    /**
     * T as the reference chooses it from max|s|. ceil(log2(m + 1)) is the bit length of m, computed in
     * integers (the reference's float log2 gives the same value for every int m).
     */
    public int steps(int maxAbsCount) {
        if (maxAbsCount < 0) {
            throw new IllegalArgumentException(this + ".steps: maxAbsCount must be >= 0, got " + maxAbsCount);
        }
        int bits = 32 - Integer.numberOfLeadingZeros(maxAbsCount);
        return switch (this) {
            case BINARY, TERNARY -> maxAbsCount;
            case BITWISE_BIDIRECTIONAL -> bits;
            case BITWISE_TWOS_COMPLEMENT -> bits + 1;
        };
    }

    /** T for these counts: {@code steps(max |counts|)}; binary rejects negative counts. */
    public int steps(int[] counts, int off, int n) {
        if (this == BINARY) {
            requireNonNegative(counts, off, n);
        }
        return steps(SpikeCounts.maxAbs(counts, off, n));
    }

    /** The place value of step t of T: 2^(T-1-t) for bitwise codings (-2^(T-1) for the two's-complement sign step), else 1. */
    public int weight(int t, int T) {
        Objects.checkIndex(t, T);
        return switch (this) {
            case BINARY, TERNARY -> 1;
            case BITWISE_BIDIRECTIONAL -> 1 << (T - 1 - t);
            case BITWISE_TWOS_COMPLEMENT -> t == 0 ? -(1 << (T - 1)) : 1 << (T - 1 - t);
        };
    }

    /** The counts a T-step train can represent: [min, max]. */
    public long minCount(int T) {
        return switch (this) {
            case BINARY -> 0;
            case TERNARY -> -T;
            case BITWISE_BIDIRECTIONAL -> -((1L << T) - 1);
            case BITWISE_TWOS_COMPLEMENT -> T == 0 ? 0 : -(1L << (T - 1));
        };
    }

    public long maxCount(int T) {
        return switch (this) {
            case BINARY, TERNARY -> T;
            case BITWISE_BIDIRECTIONAL -> (1L << T) - 1;
            case BITWISE_TWOS_COMPLEMENT -> T == 0 ? 0 : (1L << (T - 1)) - 1;
        };
    }

    /**
     * Expands counts[off .. off+n) into train[0 .. T*n) (time-major). Throws, naming the channel,
     * when a count does not fit T steps of this coding.
     */
    public void encode(int[] counts, int off, int n, int T, byte[] train) {
        checkSteps(T);
        Objects.checkFromIndexSize(off, n, counts.length);
        Objects.checkFromIndexSize(0, Math.multiplyExact(T, n), train.length);
        long lo = minCount(T);
        long hi = maxCount(T);
        for (int i = 0; i < n; i++) {
            int s = counts[off + i];
            if (s < lo || s > hi) {
                throw new IllegalArgumentException(this + ".encode: count " + s + " at channel " + i
                        + " does not fit " + T + " steps (range [" + lo + ", " + hi + "])");
            }
            for (int t = 0; t < T; t++) {
                train[t * n + i] = spike(s, t, T);
            }
        }
    }

    /** The spike of count s at step t of T (s already known to fit). */
    private byte spike(int s, int t, int T) {
        return switch (this) {
            case BINARY -> (byte) (t < s ? 1 : 0);
            case TERNARY -> (byte) (t < Math.abs(s) ? Integer.signum(s) : 0);
            case BITWISE_BIDIRECTIONAL -> (byte) (((Math.abs(s) >>> (T - 1 - t)) & 1) * Integer.signum(s));
            // The low T bits of s in two's complement; the top one (t = 0) is the sign bit.
            case BITWISE_TWOS_COMPLEMENT -> (byte) ((s >>> (T - 1 - t)) & 1);
        };
    }

    /** out[i] = sum_t weight(t, T) * train[t * n + i]: the counts back, exactly. */
    public void decode(byte[] train, int T, int n, int[] out) {
        checkSteps(T);
        Objects.checkFromIndexSize(0, Math.multiplyExact(T, n), train.length);
        Objects.checkFromIndexSize(0, n, out.length);
        for (int i = 0; i < n; i++) {
            long s = 0;
            for (int t = 0; t < T; t++) {
                s += (long) weight(t, T) * train[t * n + i];
            }
            out[i] = Math.toIntExact(s);
        }
    }

    private void checkSteps(int T) {
        // Place values are ints: bit lengths of int counts need at most 31 steps, plus the sign step.
        int max = switch (this) {
            case BINARY, TERNARY -> Integer.MAX_VALUE;
            case BITWISE_BIDIRECTIONAL -> 31;
            case BITWISE_TWOS_COMPLEMENT -> 32;
        };
        if (T < 0 || T > max) {
            throw new IllegalArgumentException(this + ": steps T must be in [0, " + max + "], got " + T);
        }
    }

    private void requireNonNegative(int[] counts, int off, int n) {
        Objects.checkFromIndexSize(off, n, counts.length);
        for (int i = 0; i < n; i++) {
            if (counts[off + i] < 0) {
                throw new IllegalArgumentException("BINARY coding takes only counts >= 0; channel " + i + " has " + counts[off + i]);
            }
        }
    }
}
