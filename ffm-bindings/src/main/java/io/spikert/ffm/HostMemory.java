package io.spikert.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Host-buffer checks shared by the drivers. Native code cannot see Java heap arrays, so synchronous
 * copies stage heap segments through a temporary native buffer; asynchronous copies refuse them,
 * since the copy may still be running after any temporary buffer is gone.
 */
public final class HostMemory {
    private HostMemory() {
    }

    /** Runs {@code copy} with a native segment holding {@code src}'s first {@code bytes} bytes. */
    public static void withNativeSource(MemorySegment src, long bytes, Consumer<MemorySegment> copy) {
        requireBytes(src, bytes, "source");
        if (src.isNative()) {
            copy.accept(src);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staged = a.allocate(Math.max(1, bytes), 64);
            MemorySegment.copy(src, 0, staged, 0, bytes);
            copy.accept(staged);
        }
    }

    /** Runs {@code copy} into a native segment, then moves the bytes into {@code dst} if it is on the heap. */
    public static void withNativeDestination(MemorySegment dst, long bytes, Consumer<MemorySegment> copy) {
        requireBytes(dst, bytes, "destination");
        if (dst.isNative()) {
            copy.accept(dst);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staged = a.allocate(Math.max(1, bytes), 64);
            copy.accept(staged);
            MemorySegment.copy(staged, 0, dst, 0, bytes);
        }
    }

    /** For asynchronous copies: the host buffer must be native and large enough. */
    public static void requireNative(MemorySegment host, long bytes, String role) {
        requireBytes(host, bytes, role);
        if (!host.isNative()) {
            throw new IllegalArgumentException("asynchronous copies need a native (ideally page-locked) host "
                    + role + ", not a Java heap segment");
        }
    }

    private static void requireBytes(MemorySegment host, long bytes, String role) {
        if (bytes < 0 || host.byteSize() < bytes) {
            throw new IllegalArgumentException("host " + role + " holds " + host.byteSize()
                    + " bytes, fewer than the " + bytes + " to copy");
        }
    }
}
