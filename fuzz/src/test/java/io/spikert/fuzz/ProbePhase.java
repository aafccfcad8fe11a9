package io.spikert.fuzz;

/**
 * What the probe of the current input is doing (load, prefill, decode, encode...), for labelling errors that
 * carry no stack trace: the JVM throws OutOfMemoryError without one once its few preallocated errors are used.
 */
final class ProbePhase {
    private static volatile String current = "start";

    private ProbePhase() {
    }

    static void set(String phase) {
        current = phase;
    }

    static String current() {
        return current;
    }
}
