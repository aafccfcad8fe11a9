package io.spikert.bench.gpu;

import java.util.Arrays;

/** Device-timed repetitions of one piece of work, in milliseconds. */
record Timing(double medianMs, double bestMs, int reps) {

    static Timing of(double[] ms) {
        if (ms.length == 0) {
            throw new IllegalArgumentException("no repetitions timed");
        }
        double[] s = ms.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new Timing(median, s[0], n);
    }
}
