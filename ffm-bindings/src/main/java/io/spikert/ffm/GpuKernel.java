package io.spikert.ffm;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** A kernel entry point looked up in a {@link GpuModule} (CUfunction / mcFunction_t). */
public record GpuKernel(MemorySegment handle) {
    public GpuKernel {
        Objects.requireNonNull(handle, "handle");
    }
}
