package io.spikert.ffm;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** An event (CUevent / mcEvent_t), recorded on a stream and used for ordering and timing. */
public record GpuEvent(MemorySegment handle) {
    public GpuEvent {
        Objects.requireNonNull(handle, "handle");
    }
}
