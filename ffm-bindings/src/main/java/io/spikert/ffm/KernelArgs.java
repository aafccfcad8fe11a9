package io.spikert.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of one kernel launch, in the kernel's parameter order. Packed for the launch as the
 * driver wants them: an array of pointers, one per argument, each pointing at that argument's value.
 */
public final class KernelArgs {
    private final List<ValueLayout> layouts = new ArrayList<>();
    private final List<Object> values = new ArrayList<>();

    /** Appends a device pointer (a 64-bit value: CUdeviceptr or a MACA device address). */
    public KernelArgs pointer(long devicePointer) {
        return add(ValueLayout.JAVA_LONG, devicePointer);
    }

    /** Appends an {@code int} (or {@code unsigned int}) argument. */
    public KernelArgs i32(int value) {
        return add(ValueLayout.JAVA_INT, value);
    }

    /** Appends a {@code long long} (or {@code size_t}) argument. */
    public KernelArgs i64(long value) {
        return add(ValueLayout.JAVA_LONG, value);
    }

    /** Appends a {@code float} argument. */
    public KernelArgs f32(float value) {
        return add(ValueLayout.JAVA_FLOAT, value);
    }

    public int count() {
        return values.size();
    }

    private KernelArgs add(ValueLayout layout, Object value) {
        layouts.add(layout);
        values.add(value);
        return this;
    }

    /** The {@code void**} array for cuLaunchKernel/mcModuleLaunchKernel, allocated in {@code arena}. */
    public MemorySegment pack(Arena arena) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, Math.max(1, values.size()));
        for (int i = 0; i < values.size(); i++) {
            ValueLayout layout = layouts.get(i);
            MemorySegment slot = arena.allocate(layout);
            switch (values.get(i)) {
                case Integer v -> slot.set(ValueLayout.JAVA_INT, 0, v);
                case Long v -> slot.set(ValueLayout.JAVA_LONG, 0, v);
                case Float v -> slot.set(ValueLayout.JAVA_FLOAT, 0, v);
                default -> throw new IllegalStateException("unexpected kernel argument " + values.get(i));
            }
            array.setAtIndex(ValueLayout.ADDRESS, i, slot);
        }
        return array;
    }
}
