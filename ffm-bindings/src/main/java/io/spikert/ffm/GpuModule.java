package io.spikert.ffm;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** A loaded code module (CUmodule / mcModule_t) from PTX, cubin or fatbin. */
public record GpuModule(MemorySegment handle) {
    public GpuModule {
        Objects.requireNonNull(handle, "handle");
    }
}
