package io.spikert.runtime.backend;

import java.util.Locale;

/**
 * How a softmax-attention cache holds its keys and values. F32 keeps them as computed; BF16 rounds each to the
 * nearest BF16 value (ties to even) as it enters the cache and widens it exactly when attention reads it: half the
 * memory and half the bytes a long context's decode streams, at BF16's 8-bit precision for keys and values.
 */
public enum KvPrecision {
    F32(4),
    BF16(2);

    private final int bytes;

    KvPrecision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes of one cached key or value element. */
    public int bytes() {
        return bytes;
    }

    /** The lower-case name the CLI and the server take ({@code f32}, {@code bf16}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code f32} or {@code bf16}, in any case; anything else is refused naming {@code what}. */
    public static KvPrecision parse(String text, String what) {
        for (KvPrecision p : values()) {
            if (p.label().equalsIgnoreCase(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException(what + " must be f32 or bf16, got '" + text + "'");
    }
}
