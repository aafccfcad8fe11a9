package io.spikert.spark;

import java.util.ArrayList;
import java.util.List;

/** Test texts of various lengths (one to a few dozen tokens), the same on every run. */
final class Texts {
    private Texts() {}

    static final List<String> SAMPLE = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Spiking neurons fire when the membrane potential crosses a threshold.",
            "Hello there, general.",
            "A cat sat.",
            "Batch inference on a cluster: one model per executor, many sessions per model.",
            "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
            "Über den Wolken muss die Freiheit wohl grenzenlos sein.",
            "def f(x):\n    return x * x\n",
            "Perplexity is the exponential of the negative mean log-likelihood.",
            "混合专家模型",
            "The end.",
            "Sliding-window attention sees the last few positions; linear attention carries a state.");

    /** {@code n} texts: the sample, repeated with a row number so that every text differs. */
    static List<String> many(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(SAMPLE.get(i % SAMPLE.size()) + (i < SAMPLE.size() ? "" : " #" + i));
        }
        return out;
    }
}
