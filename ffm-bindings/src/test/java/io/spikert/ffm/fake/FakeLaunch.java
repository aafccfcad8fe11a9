package io.spikert.ffm.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One launch as the fake driver received it: the launch shape and the raw {@code void**} parameter
 * array, with readers for each argument and a view of fake device memory.
 */
public record FakeLaunch(FakeGpu gpu, String kernelName, int gridX, int gridY, int gridZ,
                         int blockX, int blockY, int blockZ, int sharedBytes, MemorySegment params) {

    private MemorySegment slot(int index, long bytes) {
        return params.getAtIndex(ValueLayout.ADDRESS, index).reinterpret(bytes);
    }

    /** Argument {@code index} as a device pointer. */
    public long pointer(int index) {
        return slot(index, 8).get(ValueLayout.JAVA_LONG, 0);
    }

    public int i32(int index) {
        return slot(index, 4).get(ValueLayout.JAVA_INT, 0);
    }

    public long i64(int index) {
        return slot(index, 8).get(ValueLayout.JAVA_LONG, 0);
    }

    public float f32(int index) {
        return slot(index, 4).get(ValueLayout.JAVA_FLOAT, 0);
    }

    /** {@code bytes} of fake device memory at argument {@code index}'s pointer (bounds-checked). */
    public MemorySegment memory(int index, long bytes) {
        return gpu.memory(pointer(index), bytes);
    }

    /** Total threads in the launch, for twins that loop over a 1-D index space. */
    public long threads() {
        return (long) gridX * gridY * gridZ * blockX * blockY * blockZ;
    }
}
