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
 * @param fromState       decode timed from a session put at depth {@code context} with an arbitrary state
 *                        ({@link io.spikert.model.SpikingBrainModel#newSessionAtDepth}) instead of a prompt: no TTFT
 */
record SweepPoint(String model, long context, double ttftSeconds, double decodeTokensPerSecond, long heapBytes,
                  long residentBytes, String skipped, boolean fromState) {

    static SweepPoint skipped(String model, long context, String why, boolean fromState) {
        return new SweepPoint(model, context, Double.NaN, Double.NaN, -1, -1, why, fromState);
    }

    /** The same model, context and kind of point. */
    boolean samePlace(SweepPoint other) {
        return model.equals(other.model) && context == other.context && fromState == other.fromState;
    }

    boolean ran() {
        return skipped == null;
    }
}
