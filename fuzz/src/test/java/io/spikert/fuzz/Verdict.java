package io.spikert.fuzz;

/**
 * What one fuzz input did: loaded and ran, was rejected cleanly, or is a finding. {@code label} is the
 * deduplication key of a finding (finding class, exception type, top stack frame); for the two good outcomes
 * it is the outcome's name. {@code error} is the throwable behind a rejection or a finding (null when loaded
 * or when the finding is not an exception).
 */
record Verdict(Kind kind, String label, Throwable error) {
    enum Kind { LOADED, REJECTED, FINDING }

    static final Verdict LOADED = new Verdict(Kind.LOADED, "loaded", null);

    static Verdict rejected(Throwable error) {
        return new Verdict(Kind.REJECTED, "rejected cleanly", error);
    }

    boolean isFinding() {
        return kind == Kind.FINDING;
    }
}
