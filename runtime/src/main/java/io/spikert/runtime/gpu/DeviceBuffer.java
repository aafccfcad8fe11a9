package io.spikert.runtime.gpu;

/**
 * One device allocation owned by a {@link DeviceArena}: its pointer, size and what it holds (for error
 * messages and memory reports). Valid until the arena is closed.
 */
public record DeviceBuffer(long pointer, long bytes, String label) {

    /** The device address {@code byteOffset} bytes in, checked against the allocation. */
    public long at(long byteOffset) {
        if (byteOffset < 0 || byteOffset > bytes) {
            throw new IndexOutOfBoundsException("offset " + byteOffset + " outside " + label + " (" + bytes + " bytes)");
        }
        return pointer + byteOffset;
    }

    /** The device address of float element {@code index}. */
    public long floatAt(long index) {
        return at(4 * index);
    }
}
