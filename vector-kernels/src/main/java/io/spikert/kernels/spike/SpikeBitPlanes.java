package io.spikert.kernels.spike;

import java.util.Objects;

/**
 * A bitwise spike train in compact form: for each time step t, a bitmask of the channels that spike
 * ({@link #spikes}) and of those whose spike is -1 ({@link #negative}; always empty for two's
 * complement, whose sign lives in the place value of step 0). Kernels walk the set bits with
 * {@link Long#numberOfTrailingZeros}, so the work is proportional to the number of spikes.
 * Channel i of step t is bit (i % 64) of word {@code t * words() + i / 64}.
 */
public final class SpikeBitPlanes {
    private final SpikeCoding coding;
    private final int steps;
    private final int channels;
    private final int words;
    final long[] spikes;
    final long[] negative;

    private SpikeBitPlanes(SpikeCoding coding, int steps, int channels) {
        this.coding = coding;
        this.steps = steps;
        this.channels = channels;
        this.words = (channels + 63) >>> 6;
        this.spikes = new long[Math.multiplyExact(steps, words)];
        this.negative = new long[spikes.length];
    }

    /** The planes of counts[off .. off+n) under a bitwise coding with T = coding.steps(counts). */
    public static SpikeBitPlanes encode(SpikeCoding coding, int[] counts, int off, int n) {
        return encode(coding, counts, off, n, coding.steps(counts, off, n));
    }

    /** As {@link #encode(SpikeCoding, int[], int, int)} with T given; throws when a count does not fit. */
    public static SpikeBitPlanes encode(SpikeCoding coding, int[] counts, int off, int n, int T) {
        if (!coding.bitwise()) {
            throw new IllegalArgumentException("SpikeBitPlanes: bit planes need a bitwise coding, got " + coding);
        }
        if (n < 0) {
            throw new IllegalArgumentException("SpikeBitPlanes: n must be >= 0, got " + n);
        }
        Objects.checkFromIndexSize(off, n, counts.length);
        if (T < 0 || T > coding.steps(Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("SpikeBitPlanes: steps T out of range for " + coding + ": " + T);
        }
        long lo = coding.minCount(T);
        long hi = coding.maxCount(T);
        SpikeBitPlanes p = new SpikeBitPlanes(coding, T, n);
        boolean twos = coding == SpikeCoding.BITWISE_TWOS_COMPLEMENT;
        for (int i = 0; i < n; i++) {
            int s = counts[off + i];
            if (s < lo || s > hi) {
                throw new IllegalArgumentException("SpikeBitPlanes: count " + s + " at channel " + i + " does not fit "
                        + T + " steps of " + coding + " (range [" + lo + ", " + hi + "])");
            }
            if (s == 0) {
                continue;
            }
            // Bidirectional: the bits of |s| (|s| < 2^31 here), negative when s < 0. Two's complement: the low T bits of s.
            int bits = twos ? s : Math.abs(s);
            boolean neg = !twos && s < 0;
            int w = i >>> 6;
            long bit = 1L << i;
            for (int t = 0; t < T; t++) {
                if (((bits >>> (T - 1 - t)) & 1) != 0) {
                    p.spikes[t * p.words + w] |= bit;
                    if (neg) {
                        p.negative[t * p.words + w] |= bit;
                    }
                }
            }
        }
        return p;
    }

    public SpikeCoding coding() {
        return coding;
    }

    /** T, the number of time steps. */
    public int steps() {
        return steps;
    }

    /** n, the number of channels. */
    public int channels() {
        return channels;
    }

    /** Words per time step: ceil(n / 64). */
    public int words() {
        return words;
    }

    /** The mask of spiking channels of step t, word w. */
    public long spikes(int t, int w) {
        Objects.checkIndex(t, steps);
        return spikes[t * words + Objects.checkIndex(w, words)];
    }

    /** The mask of channels whose spike at step t is -1, word w. */
    public long negative(int t, int w) {
        Objects.checkIndex(t, steps);
        return negative[t * words + Objects.checkIndex(w, words)];
    }

    /** The total number of spikes (events) in the train. */
    public long spikeCount() {
        long c = 0;
        for (long m : spikes) {
            c += Long.bitCount(m);
        }
        return c;
    }

    /** out[oOff + i] = the count of channel i, from the planes and the coding's place values. */
    public void decode(int[] out, int oOff) {
        Objects.checkFromIndexSize(oOff, channels, out.length);
        for (int i = 0; i < channels; i++) {
            long s = 0;
            int w = i >>> 6;
            long bit = 1L << i;
            for (int t = 0; t < steps; t++) {
                if ((spikes[t * words + w] & bit) != 0) {
                    long v = coding.weight(t, steps);
                    s += (negative[t * words + w] & bit) != 0 ? -v : v;
                }
            }
            out[oOff + i] = Math.toIntExact(s);
        }
    }
}
