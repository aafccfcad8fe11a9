package io.spikert.runtime.backend;

import java.util.Objects;

/** The CPU's activations: {@code array[offset ..]}. */
record HeapFloats(float[] array, int offset) implements Floats {
    HeapFloats {
        Objects.checkIndex(offset, array.length + 1);
    }

    @Override
    public long size() {
        return array.length - offset;
    }

    @Override
    public Floats at(long offset) {
        return new HeapFloats(array, Math.toIntExact(this.offset + offset));
    }

    /** The CPU's handle, refused naming the operand when another backend's is passed. */
    static HeapFloats of(Floats f, String operand) {
        return of(f, operand, "");
    }

    /**
     * As {@link #of(Floats, String)}, the operand named {@code owner + role} (a weight's name and "input"):
     * the two parts are joined only for the error, not on every call.
     */
    static HeapFloats of(Floats f, String owner, String role) {
        if (f instanceof HeapFloats h) {
            return h;
        }
        throw new IllegalArgumentException(owner + role + ": not CPU memory (" + f + ")");
    }
}
