package io.spikert.runtime.gpu;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.MemoryInfo;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Device allocations with one owner and one lifetime (a model's weights, a session's state and
 * activations): everything allocated here is freed by {@link #close()}, newest first. Not thread-safe.
 */
public final class DeviceArena implements AutoCloseable {
    private final GpuDriver driver;
    private final String owner;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private long bytes;
    private boolean closed;

    /** {@code owner} names what the memory is for in error messages, e.g. "weights of model X". */
    public DeviceArena(GpuDriver driver, String owner) {
        this.driver = driver;
        this.owner = owner;
    }

    /** Uninitialised device memory; a refusal names {@code label}, the size and the device's free memory. */
    public DeviceBuffer allocate(long size, String label) {
        if (closed) {
            throw new IllegalStateException("device memory of " + owner + " was freed; cannot allocate " + label);
        }
        if (size <= 0) {
            throw new IllegalArgumentException(label + ": allocation of " + size + " bytes");
        }
        long p;
        try {
            p = driver.allocate(size);
        } catch (RuntimeException e) {
            String free = "";
            try {
                MemoryInfo m = driver.memoryInfo();
                free = String.format("; the device has %.1f of %.1f MiB free", m.freeBytes() / 1048576.0, m.totalBytes() / 1048576.0);
            } catch (RuntimeException ignored) {
                // the memory query failing too adds nothing to the report
            }
            throw new DeviceOpException(String.format("cannot allocate %d bytes of device memory for %s (%s; %d bytes held)%s: %s",
                    size, label, owner, bytes, free, e.getMessage()), e);
        }
        DeviceBuffer b = new DeviceBuffer(p, size, label);
        buffers.add(b);
        bytes += size;
        return b;
    }

    /** Device memory set to zero bytes (0.0f for floats). */
    public DeviceBuffer zeros(long size, String label) {
        DeviceBuffer b = allocate(size, label);
        try {
            driver.fill(b.pointer(), (byte) 0, size);
        } catch (RuntimeException e) {
            throw new DeviceOpException("clearing " + label + " (" + size + " bytes): " + e.getMessage(), e);
        }
        return b;
    }

    /** A device copy of {@code host}. */
    public DeviceBuffer upload(MemorySegment host, String label) {
        DeviceBuffer b = allocate(host.byteSize(), label);
        try {
            driver.copyToDevice(b.pointer(), host, host.byteSize());
        } catch (RuntimeException e) {
            throw new DeviceOpException("uploading " + label + " (" + host.byteSize() + " bytes): " + e.getMessage(), e);
        }
        return b;
    }

    public DeviceBuffer upload(float[] host, String label) {
        return upload(MemorySegment.ofArray(host), label);
    }

    /** Bytes currently held. */
    public long bytes() {
        return bytes;
    }

    /** Allocations currently held. */
    public int count() {
        return buffers.size();
    }

    /**
     * Closes this arena because {@code failure} cut its owner's construction short, and returns the failure
     * (with any failure of the close suppressed in it) for the caller to throw.
     */
    public RuntimeException closeAfter(RuntimeException failure) {
        try {
            close();
        } catch (RuntimeException suppressed) {
            failure.addSuppressed(suppressed);
        }
        return failure;
    }

    /** Frees every allocation, newest first; the first failure is thrown after all were attempted. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (int i = buffers.size() - 1; i >= 0; i--) {
            DeviceBuffer b = buffers.get(i);
            try {
                driver.free(b.pointer());
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = new DeviceOpException("freeing " + b.label() + " of " + owner + ": " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        buffers.clear();
        bytes = 0;
        if (failure != null) {
            throw failure;
        }
    }
}
