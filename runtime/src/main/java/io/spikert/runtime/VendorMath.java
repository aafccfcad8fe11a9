package io.spikert.runtime;

import java.util.Locale;

/**
 * Whether the CPU backend hands prefill products to a CPU vendor math library found through FFM (oneDNN):
 * {@link #AUTO} where one is found and the CPU has what its kernels need, {@link #OFF} never (the Vector API
 * kernels only: results exactly as without the library), {@link #REQUIRE} always, failing at backend creation,
 * naming what is missing, when it cannot (for benchmarks and for CI's job that must run the library path).
 */
public enum VendorMath {
    AUTO, OFF, REQUIRE;

    /** "auto", "off" or "require" in any case; anything else is an error naming {@code what}. */
    public static VendorMath parse(String value, String what) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "off" -> OFF;
            case "require" -> REQUIRE;
            default -> throw new IllegalArgumentException(what + " is not auto, off or require");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
