package io.spikert.kernels.spike;

import java.lang.foreign.MemorySegment;

/** Bench-only access to an {@link Int8Weights}' native codes (its channel blocks), for plain-read bounds. */
public final class CodeSegments {
    private CodeSegments() {}

    public static MemorySegment codes(Int8Weights w) {
        return w.blocks;
    }
}
