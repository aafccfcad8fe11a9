package io.spikert.kernels;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Random inputs, weight segments and tolerance checks shared by the kernel tests. */
final class TestData {
    private TestData() {}

    static float[] randoms(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return a;
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /**
     * A segment holding {@code values} as little-endian F32 (bytesPerElem 4) or BF16 bits (2; the top
     * half of each float, truncated), starting {@code misalign} bytes past a 64-byte boundary.
     */
    static MemorySegment weights(Arena arena, float[] values, int bytesPerElem, int misalign) {
        MemorySegment all = arena.allocate((long) values.length * bytesPerElem + misalign, 64);
        MemorySegment w = all.asSlice(misalign, (long) values.length * bytesPerElem);
        for (int i = 0; i < values.length; i++) {
            if (bytesPerElem == 4) {
                w.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, values[i]);
            } else {
                short bits = (short) (Float.floatToRawIntBits(values[i]) >>> 16);
                w.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i, bits);
            }
        }
        return w;
    }

    /** |actual - expected| <= rel * magnitude + abs, element by element, naming the first failure. */
    static void assertClose(String what, float[] expected, float[] actual, float[] magnitude, double rel, double abs) {
        for (int i = 0; i < expected.length; i++) {
            boolean bothNaN = Float.isNaN(expected[i]) && Float.isNaN(actual[i]);
            double bound = rel * (magnitude == null ? Math.abs(expected[i]) : magnitude[i]) + abs;
            if (!bothNaN && !(Math.abs(actual[i] - expected[i]) <= bound)) {
                fail(what + ": element " + i + " expected " + expected[i] + " got " + actual[i] + " (bound " + bound + ")");
            }
        }
    }

    static void assertClose(String what, float[] expected, float[] actual, double rel, double abs) {
        assertClose(what, expected, actual, null, rel, abs);
    }

    /**
     * Each pair within {@code ulps} units in the last place: for two kernels that form the same sums in the same
     * order, which agree bit for bit once C2 has compiled both, but not while one of them still runs in the
     * interpreter or C1, where the Vector API's {@code reduceLanes(ADD)} adds the lanes in another order. (Unit-scale
     * data: a pair may also differ by up to 1e-6 absolute.)
     */
    static void assertWithinUlps(String what, float[] expected, float[] actual, int ulps) {
        if (expected.length != actual.length) {
            fail(what + ": " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            if (Float.isNaN(e) || Float.isNaN(a)) {
                if (Float.isNaN(e) != Float.isNaN(a)) {
                    fail(what + "[" + i + "]: " + e + " vs " + a);
                }
                continue;
            }
            // a result near 0 from cancelling terms carries the rounding of its terms, not its own: 1e-6 absolute
            if (Math.abs(e - a) > ulps * Math.ulp(Math.max(Math.abs(e), Math.abs(a))) && Math.abs(e - a) > 1e-6f) {
                fail(what + "[" + i + "]: " + e + " vs " + a + ", more than " + ulps + " ulps apart");
            }
        }
    }
}
