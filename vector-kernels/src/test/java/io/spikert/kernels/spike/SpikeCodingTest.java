package io.spikert.kernels.spike;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SpikeCodingTest {

    @Test
    void stepsAsTheReferenceChoosesThem() {
        int[] max = {0, 1, 2, 3, 7, 8, 200, 32767, 32768, Integer.MAX_VALUE};
        for (int m : max) {
            int log = 0; // smallest T with 2^T > m, i.e. ceil(log2(m + 1))
            while ((1L << log) <= m) {
                log++;
            }
            assertEquals(log, SpikeCoding.BITWISE_BIDIRECTIONAL.steps(m), "bitwise T for max " + m);
            assertEquals(log + 1, SpikeCoding.BITWISE_TWOS_COMPLEMENT.steps(m), "two's complement T for max " + m);
            assertEquals(m, SpikeCoding.TERNARY.steps(m));
            assertEquals(m, SpikeCoding.BINARY.steps(m));
        }
        assertEquals(3, SpikeCoding.BITWISE_BIDIRECTIONAL.steps(new int[] {0, -5, 4, 1}, 0, 4));
        assertEquals(5, SpikeCoding.TERNARY.steps(new int[] {9, -5, 4, 1}, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> SpikeCoding.BINARY.steps(new int[] {1, -1}, 0, 2));
    }

    @Test
    void placeValues() {
        int[] bits = new int[4];
        int[] twos = new int[4];
        for (int t = 0; t < 4; t++) {
            bits[t] = SpikeCoding.BITWISE_BIDIRECTIONAL.weight(t, 4);
            twos[t] = SpikeCoding.BITWISE_TWOS_COMPLEMENT.weight(t, 4);
            assertEquals(1, SpikeCoding.TERNARY.weight(t, 4));
            assertEquals(1, SpikeCoding.BINARY.weight(t, 4));
        }
        assertArrayEquals(new int[] {8, 4, 2, 1}, bits);
        assertArrayEquals(new int[] {-8, 4, 2, 1}, twos);
        assertEquals(Integer.MIN_VALUE, SpikeCoding.BITWISE_TWOS_COMPLEMENT.weight(0, 32));
    }

    @Test
    void handTrains() {
        assertArrayEquals(new byte[] {1, 1, 0}, train(SpikeCoding.BINARY, 2, 3));
        assertArrayEquals(new byte[] {-1, -1, -1}, train(SpikeCoding.TERNARY, -3, 3));
        assertArrayEquals(new byte[] {1, 0, 0}, train(SpikeCoding.TERNARY, 1, 3));
        assertArrayEquals(new byte[] {-1, 0, -1}, train(SpikeCoding.BITWISE_BIDIRECTIONAL, -5, 3));
        assertArrayEquals(new byte[] {0, 1, 1, 0}, train(SpikeCoding.BITWISE_BIDIRECTIONAL, 6, 4));
        // -5 in four bits is 1011: -8 + 2 + 1.
        assertArrayEquals(new byte[] {1, 0, 1, 1}, train(SpikeCoding.BITWISE_TWOS_COMPLEMENT, -5, 4));
        assertArrayEquals(new byte[] {0, 1, 0, 1}, train(SpikeCoding.BITWISE_TWOS_COMPLEMENT, 5, 4));
    }

    private static byte[] train(SpikeCoding c, int s, int T) {
        byte[] tr = new byte[T];
        c.encode(new int[] {s}, 0, 1, T, tr);
        return tr;
    }

    @ParameterizedTest
    @EnumSource(SpikeCoding.class)
    void decodeGivesBackEveryCount(SpikeCoding coding) {
        Random rnd = new Random(coding.ordinal() + 5);
        for (int trial = 0; trial < 200; trial++) {
            int[] counts = counts(rnd, coding, trial);
            roundTrip(coding, counts);
        }
    }

    /** Random counts, realistic or wide, plus extremes; binary gets only non-negative ones. */
    private static int[] counts(Random rnd, SpikeCoding coding, int trial) {
        int n = 1 + rnd.nextInt(300);
        int[] c = new int[n];
        boolean wide = coding.bitwise() && trial % 3 == 0;
        for (int i = 0; i < n; i++) {
            int v = rnd.nextInt(10) < 3 ? 0 : (wide ? rnd.nextInt() >> rnd.nextInt(31) : rnd.nextInt(41) - 20);
            v = v == Integer.MIN_VALUE ? -Integer.MAX_VALUE : v;
            c[i] = coding == SpikeCoding.BINARY ? Math.abs(v) : v;
        }
        if (trial % 7 == 0) {
            Arrays.fill(c, 0);
        }
        if (trial % 5 == 1) {
            int[] extremes = coding.bitwise()
                    ? new int[] {0, 1, -1, 32767, -32768, 32768, 65535, -65536, Integer.MAX_VALUE, -Integer.MAX_VALUE}
                    : new int[] {0, 1, coding == SpikeCoding.BINARY ? 0 : -1, 255, coding == SpikeCoding.BINARY ? 1 : -255};
            for (int e = 0; e < extremes.length && e < n; e++) {
                c[rnd.nextInt(n)] = extremes[e];
            }
        }
        return c;
    }

    private static void roundTrip(SpikeCoding coding, int[] counts) {
        int n = counts.length;
        int T = coding.steps(counts, 0, n);
        byte[] train = new byte[T * n];
        coding.encode(counts, 0, n, T, train);
        for (byte b : train) {
            boolean unsigned = coding == SpikeCoding.BINARY || coding == SpikeCoding.BITWISE_TWOS_COMPLEMENT;
            assertTrue(b == 0 || b == 1 || (!unsigned && b == -1), coding + " spike value " + b);
        }
        int[] back = new int[n];
        coding.decode(train, T, n, back);
        assertArrayEquals(counts, back, coding + " decode");
        // Minimal: one step fewer cannot hold the largest positive count (every coding here) or the largest |s| (the symmetric ones).
        int max = SpikeCounts.maxAbs(counts, 0, n);
        boolean positiveMax = Arrays.stream(counts).anyMatch(v -> v == max);
        if (max > 0 && (positiveMax || coding != SpikeCoding.BITWISE_TWOS_COMPLEMENT)) {
            byte[] shorter = new byte[(T - 1) * n];
            assertThrows(IllegalArgumentException.class, () -> coding.encode(counts, 0, n, T - 1, shorter), coding + " T-1");
        }
        if (coding.bitwise()) {
            SpikeBitPlanes planes = SpikeBitPlanes.encode(coding, counts, 0, n);
            assertEquals(T, planes.steps());
            int[] fromPlanes = new int[n + 1];
            planes.decode(fromPlanes, 1);
            assertArrayEquals(counts, Arrays.copyOfRange(fromPlanes, 1, n + 1), coding + " planes decode");
            long spikes = 0;
            for (int t = 0; t < T; t++) {
                for (int i = 0; i < n; i++) {
                    long bit = 1L << (i % 64);
                    boolean set = (planes.spikes(t, i / 64) & bit) != 0;
                    boolean neg = (planes.negative(t, i / 64) & bit) != 0;
                    int expected = train[t * n + i];
                    assertEquals(expected, set ? (neg ? -1 : 1) : 0, coding + " plane bit t=" + t + " i=" + i);
                    spikes += expected != 0 ? 1 : 0;
                }
            }
            assertEquals(spikes, planes.spikeCount());
        }
    }

    @Test
    void allZeroCounts() {
        int[] zeros = new int[70];
        assertEquals(0, SpikeCoding.BITWISE_BIDIRECTIONAL.steps(zeros, 0, 70));
        assertEquals(1, SpikeCoding.BITWISE_TWOS_COMPLEMENT.steps(zeros, 0, 70));
        assertEquals(0, SpikeCoding.TERNARY.steps(zeros, 0, 70));
        for (SpikeCoding c : SpikeCoding.values()) {
            roundTrip(c, zeros);
        }
        assertEquals(0, SpikeBitPlanes.encode(SpikeCoding.BITWISE_TWOS_COMPLEMENT, zeros, 0, 70).spikeCount());
    }

    @Test
    void errorsNameTheProblem() {
        byte[] train = new byte[8];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpikeCoding.BITWISE_BIDIRECTIONAL.encode(new int[] {1, 8}, 0, 2, 3, train));
        assertTrue(e.getMessage().contains("channel 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SpikeCoding.BINARY.encode(new int[] {-1}, 0, 1, 3, train));
        assertThrows(IllegalArgumentException.class, () -> SpikeCoding.BITWISE_TWOS_COMPLEMENT.encode(new int[] {4}, 0, 1, 3, train));
        assertThrows(IllegalArgumentException.class, () -> SpikeBitPlanes.encode(SpikeCoding.TERNARY, new int[] {1}, 0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> SpikeCoding.TERNARY.encode(new int[] {1, 1, 1}, 0, 3, 3, train));
    }
}
