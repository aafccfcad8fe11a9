package io.spikert.runtime.gpu;

import io.spikert.runtime.backend.Floats;

/** F32 activations in device memory: {@code size} floats from {@code pointer}. */
public record DeviceFloats(long pointer, long size) implements Floats {
    @Override
    public Floats at(long offset) {
        if (offset < 0 || offset > size) {
            throw new IndexOutOfBoundsException("float " + offset + " of a device buffer of " + size);
        }
        return new DeviceFloats(pointer + 4 * offset, size - offset);
    }

    /** The device's handle, refused naming the operand when another backend's is passed. */
    public static long pointer(Floats f, String operand) {
        return pointer(f, operand, "");
    }

    /** As {@link #pointer(Floats, String)}, the operand named {@code owner + role}, joined only for the error. */
    public static long pointer(Floats f, String owner, String role) {
        if (f instanceof DeviceFloats d) {
            return d.pointer;
        }
        throw new IllegalArgumentException(owner + role + ": not device memory (" + f + ")");
    }
}
