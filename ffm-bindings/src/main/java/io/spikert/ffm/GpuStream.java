package io.spikert.ffm;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** A stream (CUstream / mcStream_t). {@link #DEFAULT} is the legacy default stream (NULL). */
public record GpuStream(MemorySegment handle) {
    /** The default stream: work on it is ordered with all other default-stream work. */
    public static final GpuStream DEFAULT = new GpuStream(MemorySegment.NULL);

    public GpuStream {
        Objects.requireNonNull(handle, "handle");
    }
}
