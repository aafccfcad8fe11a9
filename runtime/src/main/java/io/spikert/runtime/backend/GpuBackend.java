package io.spikert.runtime.backend;

import io.spikert.ffm.ComputeCapability;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuException;
import io.spikert.ffm.NativeLibraryNotFoundException;
import io.spikert.ffm.Vendor;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.gpu.DeviceArena;
import io.spikert.runtime.gpu.DeviceBuffer;
import io.spikert.runtime.gpu.DeviceMatrix;
import io.spikert.runtime.gpu.DeviceOpException;
import io.spikert.runtime.gpu.DeviceOps;
import io.spikert.runtime.gpu.KernelCatalog;
import io.spikert.runtime.gpu.LoadedKernels;

import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A GPU (CUDA or MACA through ffm-bindings): device 0, SpikeRT's kernels loaded from the committed PTX
 * for its compute capability, the vendor's BLAS where installed, and {@link #ops()} over them.
 *
 * <p>The model runs on it in one of two ways. Device-resident (the base model, BF16 or F32 weights, and
 * W8ASpike with its INT8 spiking products): the model uploads its weights once and runs every operator
 * through {@link #ops()}, so only token ids go in and logits come out ({@code io.spikert.model.device}).
 * Products only (what a CPU session bound to this backend runs, e.g. W8ASpike with a spike observer that
 * must see every product's counts on the host): {@link #linear} uploads each weight matrix on first use
 * and multiplies on the device while activations cross the bus per product; the spiking products and
 * everything else run on the CPU kernels.
 *
 * <p>Only the thread that opened the backend may use it: the GPU context is current on that thread.
 */
public final class GpuBackend implements Backend {
    private final GpuDriver driver;
    private final GpuBlas blas;
    private final LoadedKernels kernels;
    private final DeviceOps ops;
    private final ComputeCapability capability;
    private final CpuBackend cpu;
    private final Thread owner;
    private final DeviceArena productArena;
    private final Map<Tensor, DeviceMatrix> productWeights = new IdentityHashMap<>();
    private DeviceBuffer productX;
    private DeviceBuffer productY;

    private GpuBackend(GpuDriver driver, GpuBlas blas, LoadedKernels kernels, ComputeCapability capability, int cpuThreads) {
        this.driver = driver;
        this.blas = blas;
        this.kernels = kernels;
        this.capability = capability;
        this.ops = new DeviceOps(driver, kernels, blas);
        this.cpu = new CpuBackend(cpuThreads);
        this.owner = Thread.currentThread();
        this.productArena = new DeviceArena(driver, "the products-only GPU path");
    }

    /**
     * Opens device 0 of {@code vendor} and loads the kernels; fails with the driver's clear "not found
     * (looked in ...)" error. Without cuBLAS / mcBLAS the F32 products use SpikeRT's own kernels.
     */
    public static GpuBackend open(Vendor vendor, int cpuThreads) {
        GpuDriver driver = vendor.open();
        LoadedKernels kernels = null;
        GpuBlas blas = null;
        try {
            if (driver.deviceCount() < 1) {
                throw new IllegalStateException(vendor + " driver found (" + driver.librarySource() + ") but no device");
            }
            driver.useDevice(0);
            ComputeCapability cc = driver.computeCapability(0);
            kernels = KernelCatalog.load(driver, KernelCatalog.arch(cc));
            blas = openBlasIfPresent(driver);
            return new GpuBackend(driver, blas, kernels, cc, cpuThreads);
        } catch (RuntimeException e) {
            if (blas != null) {
                blas.close();
            }
            if (kernels != null) {
                kernels.close();
            }
            driver.close();
            throw e;
        }
    }

    private static GpuBlas openBlasIfPresent(GpuDriver driver) {
        try {
            return driver.openBlas();
        } catch (NativeLibraryNotFoundException | GpuException e) {
            return null;
        }
    }

    @Override
    public String name() {
        return driver.vendor().name().toLowerCase() + " (" + driver.deviceName(0) + ", compute capability " + capability
                + ", PTX " + kernels.arch() + ", " + (blas != null ? "BLAS" : "no BLAS") + ")";
    }

    /** The typed device operators; for use on the backend's thread only ({@link #checkThread()}). */
    public DeviceOps ops() {
        checkThread();
        return ops;
    }

    public GpuDriver driver() {
        return driver;
    }

    /** The PTX target loaded, "sm_80" or "sm_90". */
    public String arch() {
        return kernels.arch();
    }

    @Override
    public ComputePool pool() {
        return cpu.pool();
    }

    /** The CPU's check (2-D, BF16 or F32: the dtypes the device kernels take too); uploads nothing. */
    @Override
    public void checkWeight(Tensor w) {
        cpu.checkWeight(w);
    }

    /** The products-only path: uploads {@code w} on first use, then Y = X W^T on the device. */
    @Override
    public void linear(Tensor w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        checkThread();
        DeviceMatrix weights = productWeights.get(w);
        if (weights == null) {
            checkWeight(w);
            DeviceBuffer b = productArena.upload(w.data().asSlice(0, w.byteSize()), "weight " + w.name());
            weights = new DeviceMatrix(w.name(), w.dtype(), (int) w.dim(0), (int) w.dim(1), b.pointer());
            productWeights.put(w, weights);
        }
        long xBytes = 4L * tokens * weights.cols();
        long yBytes = 4L * tokens * weights.rows();
        // A larger buffer replaces a smaller one, which stays in the arena until close: sizes at least
        // double, so the waste is bounded by the largest buffer.
        if (productX == null || productX.bytes() < xBytes) {
            productX = productArena.allocate(Math.max(xBytes, productX == null ? 0 : 2 * productX.bytes()), "product input");
        }
        if (productY == null || productY.bytes() < yBytes) {
            productY = productArena.allocate(Math.max(yBytes, productY == null ? 0 : 2 * productY.bytes()), "product output");
        }
        try {
            driver.copyToDevice(productX.pointer(), MemorySegment.ofArray(x).asSlice(4L * xOff, xBytes), xBytes);
            ops.linear(weights, productX.pointer(), tokens, productY.pointer());
            driver.copyToHost(MemorySegment.ofArray(y).asSlice(4L * yOff, yBytes), productY.pointer(), yBytes);
        } catch (GpuException e) {
            throw new DeviceOpException("product with " + w.name() + " (" + tokens + " tokens): " + e.getMessage(), e);
        }
    }

    @Override
    public SpikeKernel spikeLinear(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff) {
        return cpu.spikeLinear(w, counts, cOff, vth, y, yOff); // products-only: the counts are the host's already
    }

    @Override
    public void int8Linear(Int8Weights w, float[] x, int xOff, float[] y, int yOff) {
        cpu.int8Linear(w, x, xOff, y, yOff);
    }

    @Override
    public SpikeKernel[] spikeLinearBatch(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff) {
        return cpu.spikeLinearBatch(w, counts, cOff, vth, tokens, y, yOff);
    }

    @Override
    public void int8LinearBatch(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        cpu.int8LinearBatch(w, x, xOff, tokens, y, yOff);
    }

    @Override
    public long weightBytesRead() {
        return ops.weightBytesRead() + cpu.weightBytesRead();
    }

    /** Fails unless called on the thread that opened the backend, where the GPU context is current. */
    public void checkThread() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("GpuBackend used from thread " + Thread.currentThread().getName()
                    + "; the GPU context is current on " + owner.getName() + " only");
        }
    }

    /** Device bytes held by the products-only path (weights uploaded on use and its buffers). */
    public long deviceBytes() {
        return productArena.bytes();
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (Runnable step : new Runnable[] {productArena::close, kernels::close,
                () -> { if (blas != null) { blas.close(); } }, driver::close, cpu::close}) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        productWeights.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
