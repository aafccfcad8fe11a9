package io.spikert.bench.sweep;

/**
 * One model at one context length: the time to first token of a fresh prompt of {@code context} tokens, the decode
 * rate right after it, and the memory the process held then. A point that did not run says why in {@code skipped}
 * (its numbers are NaN or -1).
 *
 * @param ttftSeconds     prefill of the whole prompt to its first token's logits, from an empty session
 * @param decodeTokensPerSecond greedy decode steps right after the prompt
 * @param heapBytes       Java heap in use after a full GC with the session still open (its key/value cache or state)
 * @param residentBytes   VmRSS of the process (mapped weights included)
 * @param skipped         why the point did not run or stopped (time cap, memory), or null
 */
record SweepPoint(String model, long context, double ttftSeconds, double decodeTokensPerSecond, long heapBytes,
                  long residentBytes, String skipped) {

    static SweepPoint skipped(String model, long context, String why) {
        return new SweepPoint(model, context, Double.NaN, Double.NaN, -1, -1, why);
    }

    boolean ran() {
        return skipped == null;
    }
}
