package io.spikert.model.spikes;

import io.spikert.kernels.spike.SpikeCoding;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ChannelSpikesTest {
    @Test
    void handCounts() {
        // bitwise bidirectional: popcount |s|
        assertEquals(0, ChannelSpikes.spikes(SpikeCoding.BITWISE_BIDIRECTIONAL, 0, 5));
        assertEquals(3, ChannelSpikes.spikes(SpikeCoding.BITWISE_BIDIRECTIONAL, -7, 5));
        assertEquals(2, ChannelSpikes.spikes(SpikeCoding.BITWISE_BIDIRECTIONAL, 20, 5)); // 10100
        // two's complement: -3 in 6 bits is 111101
        assertEquals(5, ChannelSpikes.spikes(SpikeCoding.BITWISE_TWOS_COMPLEMENT, -3, 6));
        assertEquals(2, ChannelSpikes.spikes(SpikeCoding.BITWISE_TWOS_COMPLEMENT, -3, 3)); // 101
        assertEquals(1, ChannelSpikes.spikes(SpikeCoding.BITWISE_TWOS_COMPLEMENT, 8, 5));
        assertEquals(16, ChannelSpikes.spikes(SpikeCoding.TERNARY, -16, 16));
        assertEquals(9, ChannelSpikes.spikes(SpikeCoding.BINARY, 9, 9));
        assertEquals(0, ChannelSpikes.spikes(SpikeCoding.BINARY, -9, 9));
    }

    @Test
    void windowsOfThreeSteps() {
        assertEquals(1, ChannelSpikes.windows(SpikeCoding.BITWISE_BIDIRECTIONAL, 0));
        assertEquals(1, ChannelSpikes.windows(SpikeCoding.BITWISE_BIDIRECTIONAL, -7));
        assertEquals(2, ChannelSpikes.windows(SpikeCoding.BITWISE_BIDIRECTIONAL, 8));
        assertEquals(2, ChannelSpikes.windows(SpikeCoding.BITWISE_BIDIRECTIONAL, 63));
        assertEquals(3, ChannelSpikes.windows(SpikeCoding.BITWISE_BIDIRECTIONAL, 64));
        assertEquals(1, ChannelSpikes.windows(SpikeCoding.TERNARY, 3));
        assertEquals(2, ChannelSpikes.windows(SpikeCoding.TERNARY, -4));
        assertEquals(1, ChannelSpikes.windows(SpikeCoding.BITWISE_TWOS_COMPLEMENT, -4)); // 100
        assertEquals(1, ChannelSpikes.windows(SpikeCoding.BITWISE_TWOS_COMPLEMENT, 3));  // 011
        assertEquals(2, ChannelSpikes.windows(SpikeCoding.BITWISE_TWOS_COMPLEMENT, 4));  // 0100
        assertEquals(2, ChannelSpikes.windows(SpikeCoding.BITWISE_TWOS_COMPLEMENT, -5));
    }

    /** The spike count agrees with the non-zero entries of the train SpikeCoding actually builds. */
    @Test
    void agreesWithTheEncodedTrain() {
        Random rnd = new Random(7);
        for (SpikeCoding c : SpikeCoding.values()) {
            for (int trial = 0; trial < 50; trial++) {
                int n = 1 + rnd.nextInt(20);
                int[] counts = new int[n];
                for (int i = 0; i < n; i++) {
                    int v = rnd.nextInt(4) == 0 ? rnd.nextInt(200) : rnd.nextInt(8);
                    counts[i] = c == SpikeCoding.BINARY || rnd.nextBoolean() ? v : -v;
                }
                int T = c.steps(counts, 0, n);
                byte[] train = new byte[T * n];
                c.encode(counts, 0, n, T, train);
                for (int i = 0; i < n; i++) {
                    int nonZero = 0;
                    for (int t = 0; t < T; t++) {
                        nonZero += train[t * n + i] != 0 ? 1 : 0;
                    }
                    assertEquals(nonZero, ChannelSpikes.spikes(c, counts[i], T), c + " count " + counts[i] + " T " + T);
                    // and the 3-step windows hold every count: the fixed-T train encodes it
                    int w = ChannelSpikes.windows(c, counts[i]) * ChannelSpikes.WINDOW;
                    byte[] one = new byte[w];
                    c.encode(new int[] {counts[i]}, 0, 1, w, one);
                    int nz = 0;
                    for (byte b : one) {
                        nz += b != 0 ? 1 : 0;
                    }
                    assertEquals(nz, ChannelSpikes.spikes(c, counts[i], w), c + " window count " + counts[i]);
                }
            }
        }
    }
}
