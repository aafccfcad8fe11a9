package io.spikert.runtime.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;

/** Native allocations aligned for 512-bit loads: a hot row that straddles cache lines loses about 30%. */
public final class NativeMemory {
    public static final long ALIGNMENT = 64;

    private static final LongAdder ALLOCATED = new LongAdder();

    private NativeMemory() {}

    /**
     * Bytes ever allocated through this class (never decreases). The JDK's buffer-pool beans do not
     * see {@link Arena} allocations, so tests use this to prove a loop allocates no native memory.
     */
    public static long totalAllocatedBytes() {
        return ALLOCATED.sum();
    }

    /** Zeroed native memory owned by {@code arena}, aligned to 64 bytes. */
    public static MemorySegment allocate(Arena arena, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation size " + bytes);
        }
        ALLOCATED.add(bytes);
        return arena.allocate(Math.max(bytes, 1), ALIGNMENT).asSlice(0, bytes);
    }
}
