package io.spikert.runtime.backend;

import io.spikert.ffm.BlasType;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.Transpose;
import io.spikert.ffm.Vendor;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.memory.NativeMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A first GPU backend (CUDA or MACA through ffm-bindings): the weight products run on the device with
 * BLAS GemmEx, each weight matrix uploaded once; everything else (norms, attention, GLA, spiking)
 * still runs on the CPU kernels. Activations cross the bus per product, so this is a correctness
 * step, not the device-resident backend the GPU issue ends with.
 *
 * <p>Weights are uploaded as F32 (BF16 widened once): BLAS GemmEx needs both operands of one type,
 * and rounding the activations to BF16 would break the 1e-3 agreement with the CPU backend.
 * Only the thread that created the backend may use it: the GPU context is current on that thread.
 */
public final class GpuBackend implements Backend {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GpuDriver driver;
    private final GpuBlas blas;
    private final CpuBackend cpu;
    private final Thread owner;
    private final Map<Tensor, Long> deviceWeights = new IdentityHashMap<>();
    private long deviceWeightBytesRead;
    private long deviceX;
    private long deviceY;
    private long capacityX;
    private long capacityY;

    private GpuBackend(GpuDriver driver, int cpuThreads) {
        this.driver = driver;
        this.blas = driver.openBlas();
        this.cpu = new CpuBackend(cpuThreads);
        this.owner = Thread.currentThread();
    }

    /** Opens device 0 of {@code vendor}; fails with the driver's clear "not found (looked in ...)" error. */
    public static GpuBackend open(Vendor vendor, int cpuThreads) {
        GpuDriver driver = vendor.open();
        try {
            if (driver.deviceCount() < 1) {
                throw new IllegalStateException(vendor + " driver found (" + driver.librarySource() + ") but no device");
            }
            driver.useDevice(0);
            return new GpuBackend(driver, cpuThreads);
        } catch (RuntimeException e) {
            driver.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return driver.vendor().name().toLowerCase() + " (" + driver.deviceName(0) + ", products on the device; "
                + cpu.name() + " for the rest)";
    }

    @Override
    public ComputePool pool() {
        return cpu.pool();
    }

    @Override
    public void checkWeight(Tensor w) {
        cpu.checkWeight(w);
        checkOwner();
        deviceWeights.computeIfAbsent(w, this::upload);
    }

    private long upload(Tensor w) {
        long n = w.elementCount();
        long ptr = driver.allocate(n * 4);
        if (w.dtype() == DType.F32) {
            driver.copyToDevice(ptr, w.data(), n * 4);
        } else {
            // widen in slices, so the host never holds a second copy of a large matrix
            long slice = 1 << 22;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = NativeMemory.allocate(a, slice * 4);
                for (long start = 0; start < n; start += slice) {
                    long len = Math.min(slice, n - start);
                    for (long i = 0; i < len; i++) {
                        buf.setAtIndex(F32, i, w.getFloat(start + i));
                    }
                    driver.copyToDevice(ptr + start * 4, buf, len * 4);
                }
            }
        }
        return ptr;
    }

    @Override
    public void linear(Tensor w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        checkOwner();
        Long weights = deviceWeights.get(w);
        if (weights == null) {
            checkWeight(w);
            weights = deviceWeights.get(w);
        }
        int out = (int) w.dim(0);
        int in = (int) w.dim(1);
        deviceWeightBytesRead += 4L * out * in; // uploaded as F32
        long xBytes = 4L * tokens * in;
        long yBytes = 4L * tokens * out;
        ensureCapacity(xBytes, yBytes);
        driver.copyToDevice(deviceX, MemorySegment.ofArray(x).asSlice(4L * xOff, xBytes), xBytes);
        // Row-major Y[tokens, out] = X[tokens, in] W^T is, column-major, Y^T = W X^T:
        // W stored row-major [out, in] reads as the column-major (in x out) matrix W^T, hence op(A) = T.
        blas.gemmEx(Transpose.T, Transpose.N, out, tokens, in, 1f,
                weights, BlasType.F32, in, deviceX, BlasType.F32, in, 0f, deviceY, BlasType.F32, out);
        driver.copyToHost(MemorySegment.ofArray(y).asSlice(4L * yOff, yBytes), deviceY, yBytes);
    }

    @Override
    public SpikeKernel spikeLinear(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff) {
        return cpu.spikeLinear(w, counts, cOff, vth, y, yOff); // the device spike kernels come with the GPU issue
    }

    @Override
    public long weightBytesRead() {
        return deviceWeightBytesRead + cpu.weightBytesRead();
    }

    private void ensureCapacity(long xBytes, long yBytes) {
        if (xBytes > capacityX) {
            if (deviceX != 0) {
                driver.free(deviceX);
            }
            deviceX = driver.allocate(xBytes);
            capacityX = xBytes;
        }
        if (yBytes > capacityY) {
            if (deviceY != 0) {
                driver.free(deviceY);
            }
            deviceY = driver.allocate(yBytes);
            capacityY = yBytes;
        }
    }

    private void checkOwner() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("GpuBackend used from thread " + Thread.currentThread().getName()
                    + "; the GPU context is current on " + owner.getName() + " only");
        }
    }

    /** Device bytes held by uploaded weights and activation buffers. */
    public long deviceBytes() {
        long total = capacityX + capacityY;
        for (Tensor t : deviceWeights.keySet()) {
            total += t.elementCount() * 4;
        }
        return total;
    }

    @Override
    public void close() {
        for (long ptr : deviceWeights.values()) {
            driver.free(ptr);
        }
        deviceWeights.clear();
        if (deviceX != 0) {
            driver.free(deviceX);
        }
        if (deviceY != 0) {
            driver.free(deviceY);
        }
        blas.close();
        driver.close();
        cpu.close();
    }
}
