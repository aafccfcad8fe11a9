package io.spikert.runtime;

import java.util.Locale;

/**
 * The activation precision of the products over several tokens (prefill). {@link #FP32}, the default, multiplies
 * the FP32 activations as they are (the exact path the golden tests hold to 1e-6 of a float64 reference);
 * {@link #BF16} first rounds each activation to the nearest BF16 value (ties to even), as the official runtimes
 * run the published BF16 model, which lets the CPU's BF16 dot products (AMX, AVX-512 BF16) take the whole
 * product. Single-token products (decode) keep FP32 activations at either precision: they are bound by weight
 * bandwidth, not arithmetic. Weight-integer products (W8ASpike) are exact integer sums at either precision.
 */
public enum Precision {
    FP32, BF16;

    /** "fp32" or "bf16" in any case; anything else is an error naming {@code what}. */
    public static Precision parse(String value, String what) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "fp32", "f32", "float32" -> FP32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException(what + ": '" + value + "' is not fp32 or bf16");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
