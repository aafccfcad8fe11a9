package io.spikert.fuzz;

/**
 * Thrown out of a fuzz target for a finding that is not itself an exception of the code under test (a
 * rejection whose message names no file, or one that hides a runtime failure as its cause), so that Jazzer
 * records it; the original exception is the cause.
 */
final class FindingError extends AssertionError {
    FindingError(String label, Throwable cause) {
        super(label, cause);
    }
}
