package io.spikert.bench.gpu;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuException;
import io.spikert.ffm.MemoryInfo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Device allocations of one benchmark section, freed together, and synthetic contents made on the
 * device: a small seed pattern is uploaded once and then tiled by device-to-device copies, so
 * gigabytes of weights never cross the host bus or touch the disk.
 *
 * <p>The BF16 and F32 seeds hold the same values (each BF16 value widened exactly), so a BF16 and an
 * F32 buffer tiled from them hold the same matrix, and cuBLAS (BF16 inputs) and SpikeRT's kernels
 * (F32 activations) can be compared on identical numbers.
 */
final class DeviceMemory implements AutoCloseable {
    /** Elements in the seed pattern; an odd count so rows of a tiled matrix do not repeat in step. */
    static final long SEED_ELEMENTS = (4L << 20) - 3;

    private final GpuDriver driver;
    private final List<Long> owned = new ArrayList<>();
    private long seedBf16;
    private long seedF32;

    DeviceMemory(GpuDriver driver) {
        this.driver = driver;
    }

    /** Allocates {@code bytes}, naming {@code what} and the free memory when the device refuses. */
    long allocate(long bytes, String what) {
        try {
            long p = driver.allocate(bytes);
            owned.add(p);
            return p;
        } catch (GpuException e) {
            MemoryInfo m = driver.memoryInfo();
            throw new IllegalStateException(String.format("cannot allocate %.2f GiB for %s (device has %.2f of %.2f GiB free): %s",
                    bytes / GIB, what, m.freeBytes() / GIB, m.totalBytes() / GIB, e.getMessage()), e);
        }
    }

    /** Fills {@code elements} BF16 values at {@code dst} with the seed pattern, repeated. */
    void fillBf16(long dst, long elements) {
        tile(dst, 2 * elements, seeds()[0], 2 * SEED_ELEMENTS);
    }

    /** Fills {@code elements} F32 values at {@code dst} with the same pattern as {@link #fillBf16}. */
    void fillF32(long dst, long elements) {
        tile(dst, 4 * elements, seeds()[1], 4 * SEED_ELEMENTS);
    }

    private void tile(long dst, long bytes, long seed, long seedBytes) {
        long done = Math.min(seedBytes, bytes);
        driver.copyDeviceToDevice(dst, seed, done);
        while (done < bytes) {
            // Doubling: each copy reads what is already filled, so a buffer of n bytes takes log2(n / seed) copies.
            long n = Math.min(done, bytes - done);
            driver.copyDeviceToDevice(dst + done, dst, n);
            done += n;
        }
    }

    private long[] seeds() {
        if (seedBf16 == 0) {
            SplittableRandom random = new SplittableRandom(20240917L);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment bf16 = arena.allocate(2 * SEED_ELEMENTS, 8);
                MemorySegment f32 = arena.allocate(4 * SEED_ELEMENTS, 8);
                for (long i = 0; i < SEED_ELEMENTS; i++) {
                    // Uniform in [-1/16, 1/16): sums of thousands of products stay far from overflow.
                    float v = (float) (random.nextDouble() * 0.125 - 0.0625);
                    short b = (short) (Float.floatToRawIntBits(v) >>> 16); // truncation: any BF16 value will do
                    bf16.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, b);
                    f32.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, Float.intBitsToFloat(b << 16));
                }
                seedBf16 = allocate(bf16.byteSize(), "the BF16 seed pattern");
                seedF32 = allocate(f32.byteSize(), "the F32 seed pattern");
                driver.copyToDevice(seedBf16, bf16, bf16.byteSize());
                driver.copyToDevice(seedF32, f32, f32.byteSize());
            }
        }
        return new long[] {seedBf16, seedF32};
    }

    /** Reads {@code count} floats back from the device. */
    float[] readF32(long src, int count) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(4L * count, 8);
            driver.copyToHost(host, src, 4L * count);
            return host.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    @Override
    public void close() {
        driver.synchronize();
        for (long p : owned) {
            driver.free(p);
        }
        owned.clear();
        seedBf16 = 0;
        seedF32 = 0;
    }

    static final double GIB = 1024.0 * 1024 * 1024;
}
