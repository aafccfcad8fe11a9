package io.spikert.model.spikes;

import io.spikert.kernels.spike.SpikeCoding;

/**
 * How many spikes one channel's count s fires under a coding, without building the train (the counts
 * match what {@link SpikeCoding#encode} would write; the tests check that).
 */
public final class ChannelSpikes {
    /** The fixed window of the report's sparsity figure: 94.1% of counts fit INT3, so 3 steps. */
    public static final int WINDOW = 3;

    private ChannelSpikes() {}

    /**
     * Spikes of count s in a T-step train: binary s (0 for s < 0, which binary cannot carry), ternary |s|,
     * bitwise bidirectional popcount(|s|), two's complement popcount of the low T bits of s.
     */
    public static int spikes(SpikeCoding coding, int s, int T) {
        return switch (coding) {
            case BINARY -> Math.max(s, 0);
            case TERNARY -> Math.abs(s);
            case BITWISE_BIDIRECTIONAL -> Integer.bitCount(Math.abs(s));
            case BITWISE_TWOS_COMPLEMENT -> Integer.bitCount(T >= 32 ? s : s & ((1 << T) - 1));
        };
    }

    /**
     * The number of {@link #WINDOW}-step windows count s occupies when T is fixed at 3: one for every
     * count that fits 3 steps of the coding (|s| <= 7 bitwise, <= 3 ternary), more for larger ones, so
     * that no spike is dropped. Silent channels still occupy one window of zeros.
     */
    public static int windows(SpikeCoding coding, int s) {
        // Two's complement fits s in bitLength(s >= 0 ? s : ~s) + 1 bits (-4 needs 3, not 4).
        int steps = coding == SpikeCoding.BITWISE_TWOS_COMPLEMENT
                ? 33 - Integer.numberOfLeadingZeros(s >= 0 ? s : ~s)
                : coding.steps(Math.abs(s));
        return Math.max(1, (steps + WINDOW - 1) / WINDOW);
    }
}
