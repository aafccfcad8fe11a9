package io.spikert.ffm.cuda;

import static io.spikert.ffm.cuda.CudaDriver.*;

import io.spikert.ffm.ComputeCapability;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuEvent;
import io.spikert.ffm.GpuException;
import io.spikert.ffm.GpuKernel;
import io.spikert.ffm.GpuModule;
import io.spikert.ffm.GpuStream;
import io.spikert.ffm.HostMemory;
import io.spikert.ffm.KernelArgs;
import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.MemoryInfo;
import io.spikert.ffm.NativeLibrary;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.cublas.CublasGpuBlas;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link GpuDriver} over the CUDA driver API ({@link CudaDriver}). */
public final class CudaGpuDriver implements GpuDriver {
    private final String source;
    private final Map<Integer, MemorySegment> retained = new ConcurrentHashMap<>();

    private CudaGpuDriver(String source) {
        this.source = source;
    }

    /**
     * Initialises the CUDA driver bound in {@link LibraryLoader} (found by the default search when
     * nothing was bound).
     *
     * @throws io.spikert.ffm.NativeLibraryNotFoundException "no CUDA driver found (looked in: ...)"
     * @throws GpuException when cuInit fails (for example, no device or a stub library)
     */
    public static CudaGpuDriver open() {
        // Locate first: a missing library must surface as the search report, not as a failed
        // static initializer of a binding holder.
        String source = LibraryLoader.require(NativeLibrary.CUDA_DRIVER).source();
        CudaGpuDriver driver = new CudaGpuDriver(source);
        driver.check(cuInit(0), "cuInit(0)");
        return driver;
    }

    @Override
    public Vendor vendor() {
        return Vendor.CUDA;
    }

    @Override
    public String librarySource() {
        return source;
    }

    /** The driver's CUDA version, e.g. 13000 for 13.0. */
    public int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_INT);
            check(cuDriverGetVersion(out), "cuDriverGetVersion");
            return out.get(C_INT, 0);
        }
    }

    @Override
    public int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_INT);
            check(cuDeviceGetCount(out), "cuDeviceGetCount");
            return out.get(C_INT, 0);
        }
    }

    private int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_INT);
            check(cuDeviceGet(out, ordinal), "cuDeviceGet(" + ordinal + ")");
            return out.get(C_INT, 0);
        }
    }

    @Override
    public void useDevice(int ordinal) {
        MemorySegment ctx = retained.computeIfAbsent(ordinal, o -> {
            int dev = device(o);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(C_POINTER);
                check(cuDevicePrimaryCtxRetain(out, dev), "cuDevicePrimaryCtxRetain(device " + o + ")");
                return out.get(ValueLayout.ADDRESS, 0);
            }
        });
        check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent(device " + ordinal + ")");
    }

    @Override
    public String deviceName(int ordinal) {
        int dev = device(ordinal);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            check(cuDeviceGetName(buf, 256, dev), "cuDeviceGetName(device " + ordinal + ")");
            return buf.getString(0);
        }
    }

    @Override
    public long totalMemory(int ordinal) {
        int dev = device(ordinal);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_LONG);
            check(cuDeviceTotalMem_v2(out, dev), "cuDeviceTotalMem_v2(device " + ordinal + ")");
            return out.get(C_LONG, 0);
        }
    }

    /** A CU_DEVICE_ATTRIBUTE_* value of device {@code ordinal}. */
    public int attribute(int ordinal, int attribute) {
        int dev = device(ordinal);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_INT);
            check(cuDeviceGetAttribute(out, attribute, dev),
                    "cuDeviceGetAttribute(" + attribute + ", device " + ordinal + ")");
            return out.get(C_INT, 0);
        }
    }

    @Override
    public int warpSize(int ordinal) {
        return attribute(ordinal, CU_DEVICE_ATTRIBUTE_WARP_SIZE());
    }

    @Override
    public ComputeCapability computeCapability(int ordinal) {
        return new ComputeCapability(attribute(ordinal, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR()),
                attribute(ordinal, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR()));
    }

    @Override
    public MemoryInfo memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(C_LONG);
            MemorySegment total = a.allocate(C_LONG);
            check(cuMemGetInfo_v2(free, total), "cuMemGetInfo_v2");
            return new MemoryInfo(free.get(C_LONG, 0), total.get(C_LONG, 0));
        }
    }

    @Override
    public long allocate(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_LONG_LONG);
            check(cuMemAlloc_v2(out, bytes), "cuMemAlloc_v2(" + bytes + " bytes)");
            return out.get(C_LONG_LONG, 0);
        }
    }

    @Override
    public void free(long devicePointer) {
        check(cuMemFree_v2(devicePointer), "cuMemFree_v2(0x" + Long.toHexString(devicePointer) + ")");
    }

    @Override
    public MemorySegment allocateHost(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(cuMemAllocHost_v2(out, bytes), "cuMemAllocHost_v2(" + bytes + " bytes)");
            return out.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
        }
    }

    @Override
    public void freeHost(MemorySegment host) {
        check(cuMemFreeHost(host), "cuMemFreeHost");
    }

    /** Page-locks existing host memory (CU_MEMHOSTREGISTER_* flags). */
    public void registerHost(MemorySegment host, int flags) {
        check(cuMemHostRegister_v2(host, host.byteSize(), flags),
                "cuMemHostRegister_v2(" + host.byteSize() + " bytes)");
    }

    public void unregisterHost(MemorySegment host) {
        check(cuMemHostUnregister(host), "cuMemHostUnregister");
    }

    @Override
    public void copyToDevice(long dst, MemorySegment src, long bytes) {
        HostMemory.withNativeSource(src, bytes,
                s -> check(cuMemcpyHtoD_v2(dst, s, bytes), "cuMemcpyHtoD_v2(" + bytes + " bytes)"));
    }

    @Override
    public void copyToHost(MemorySegment dst, long src, long bytes) {
        HostMemory.withNativeDestination(dst, bytes,
                d -> check(cuMemcpyDtoH_v2(d, src, bytes), "cuMemcpyDtoH_v2(" + bytes + " bytes)"));
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes) {
        check(cuMemcpyDtoD_v2(dst, src, bytes), "cuMemcpyDtoD_v2(" + bytes + " bytes)");
    }

    @Override
    public void copyToDeviceAsync(long dst, MemorySegment src, long bytes, GpuStream stream) {
        HostMemory.requireNative(src, bytes, "source");
        check(cuMemcpyHtoDAsync_v2(dst, src, bytes, stream.handle()), "cuMemcpyHtoDAsync_v2(" + bytes + " bytes)");
    }

    @Override
    public void copyToHostAsync(MemorySegment dst, long src, long bytes, GpuStream stream) {
        HostMemory.requireNative(dst, bytes, "destination");
        check(cuMemcpyDtoHAsync_v2(dst, src, bytes, stream.handle()), "cuMemcpyDtoHAsync_v2(" + bytes + " bytes)");
    }

    @Override
    public void fill(long dst, byte value, long bytes) {
        check(cuMemsetD8_v2(dst, value, bytes), "cuMemsetD8_v2(" + bytes + " bytes)");
    }

    @Override
    public GpuStream createStream() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(cuStreamCreate(out, CU_STREAM_NON_BLOCKING()), "cuStreamCreate");
            return new GpuStream(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    @Override
    public void synchronize(GpuStream stream) {
        check(cuStreamSynchronize(stream.handle()), "cuStreamSynchronize");
    }

    @Override
    public void destroy(GpuStream stream) {
        check(cuStreamDestroy_v2(stream.handle()), "cuStreamDestroy_v2");
    }

    @Override
    public GpuEvent createEvent() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(cuEventCreate(out, CU_EVENT_DEFAULT()), "cuEventCreate");
            return new GpuEvent(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    @Override
    public void record(GpuEvent event, GpuStream stream) {
        check(cuEventRecord(event.handle(), stream.handle()), "cuEventRecord");
    }

    @Override
    public void synchronize(GpuEvent event) {
        check(cuEventSynchronize(event.handle()), "cuEventSynchronize");
    }

    @Override
    public float elapsedMillis(GpuEvent start, GpuEvent end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_FLOAT);
            check(cuEventElapsedTime_v2(out, start.handle(), end.handle()), "cuEventElapsedTime_v2");
            return out.get(C_FLOAT, 0);
        }
    }

    @Override
    public void destroy(GpuEvent event) {
        check(cuEventDestroy_v2(event.handle()), "cuEventDestroy_v2");
    }

    @Override
    public GpuModule loadModule(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(cuModuleLoadData(out, image), "cuModuleLoadData(" + image.byteSize() + "-byte image)");
            return new GpuModule(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    @Override
    public GpuKernel kernel(GpuModule module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(cuModuleGetFunction(out, module.handle(), a.allocateFrom(name)),
                    "cuModuleGetFunction(\"" + name + "\")");
            return new GpuKernel(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    @Override
    public void unload(GpuModule module) {
        check(cuModuleUnload(module.handle()), "cuModuleUnload");
    }

    @Override
    public void launch(GpuKernel kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                       int sharedBytes, GpuStream stream, KernelArgs args) {
        try (Arena a = Arena.ofConfined()) {
            check(cuLaunchKernel(kernel.handle(), gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes,
                            stream.handle(), args.pack(a), MemorySegment.NULL),
                    "cuLaunchKernel(grid " + gridX + "x" + gridY + "x" + gridZ + ", block " + blockX + "x"
                            + blockY + "x" + blockZ + ", " + args.count() + " args)");
        }
    }

    @Override
    public void synchronize() {
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    @Override
    public String errorName(int code) {
        return errorText(code, true);
    }

    @Override
    public String errorString(int code) {
        return errorText(code, false);
    }

    private String errorText(int code, boolean name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            int rc = name ? cuGetErrorName(code, out) : cuGetErrorString(code, out);
            MemorySegment text = out.get(ValueLayout.ADDRESS, 0);
            if (rc != CUDA_SUCCESS() || text.equals(MemorySegment.NULL)) {
                return "unrecognized CUresult " + code;
            }
            return text.reinterpret(Long.MAX_VALUE).getString(0);
        }
    }

    @Override
    public GpuBlas openBlas() {
        return CublasGpuBlas.open();
    }

    @Override
    public void close() {
        for (Map.Entry<Integer, MemorySegment> e : retained.entrySet()) {
            int rc = cuDevicePrimaryCtxRelease_v2(device(e.getKey()));
            if (rc != CUDA_SUCCESS()) {
                check(rc, "cuDevicePrimaryCtxRelease_v2(device " + e.getKey() + ")");
            }
        }
        retained.clear();
    }

    void check(int rc, String call) {
        if (rc != CUDA_SUCCESS()) {
            throw new GpuException(Vendor.CUDA, call, rc, errorName(rc), errorString(rc));
        }
    }
}
