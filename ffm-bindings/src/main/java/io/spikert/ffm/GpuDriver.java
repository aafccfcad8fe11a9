package io.spikert.ffm;

import java.lang.foreign.MemorySegment;

/**
 * The vendor-neutral GPU operations the runtime uses, one implementation per {@link Vendor}.
 *
 * <p>Device memory is addressed by {@code long} device pointers (CUdeviceptr on CUDA, a device
 * address on MACA); pointer arithmetic on them is the caller's. Host buffers are native
 * {@link MemorySegment}s. The device context is current per thread: call {@link #useDevice} on
 * every thread that issues work, ideally dedicated platform threads. Every failing vendor call
 * throws {@link GpuException} naming the call and the vendor's error.
 */
public interface GpuDriver extends AutoCloseable {

    Vendor vendor();

    /** Where the vendor library came from, e.g. its file path. */
    String librarySource();

    int deviceCount();

    /** Makes device {@code ordinal}'s primary context current on the calling thread. */
    void useDevice(int ordinal);

    String deviceName(int ordinal);

    long totalMemory(int ordinal);

    /** Lanes per warp (32 on NVIDIA, 64 on MetaX), which kernels that use warp shuffles depend on. */
    int warpSize(int ordinal);

    /**
     * The compute capability of device {@code ordinal}, from which the runtime picks the PTX target
     * (see {@code KernelCatalog.arch}).
     */
    ComputeCapability computeCapability(int ordinal);

    MemoryInfo memoryInfo();

    long allocate(long bytes);

    void free(long devicePointer);

    /** Page-locked host memory, {@code bytes} long, for fast and asynchronous copies. */
    MemorySegment allocateHost(long bytes);

    void freeHost(MemorySegment host);

    void copyToDevice(long dst, MemorySegment src, long bytes);

    void copyToHost(MemorySegment dst, long src, long bytes);

    void copyDeviceToDevice(long dst, long src, long bytes);

    /** Asynchronous on {@code stream} when {@code src} is page-locked; {@code src} must stay alive until then. */
    void copyToDeviceAsync(long dst, MemorySegment src, long bytes, GpuStream stream);

    void copyToHostAsync(MemorySegment dst, long src, long bytes, GpuStream stream);

    /** Sets {@code bytes} bytes at {@code dst} to {@code value}. */
    void fill(long dst, byte value, long bytes);

    GpuStream createStream();

    void synchronize(GpuStream stream);

    void destroy(GpuStream stream);

    GpuEvent createEvent();

    void record(GpuEvent event, GpuStream stream);

    void synchronize(GpuEvent event);

    /** Milliseconds between two recorded events. */
    float elapsedMillis(GpuEvent start, GpuEvent end);

    void destroy(GpuEvent event);

    /**
     * Loads a module image: NUL-terminated PTX text, cubin or fatbin on CUDA; MACA's own binary
     * format on MetaX.
     */
    GpuModule loadModule(MemorySegment image);

    /** The {@code extern "C"} kernel {@code name} of {@code module}. */
    GpuKernel kernel(GpuModule module, String name);

    void unload(GpuModule module);

    void launch(GpuKernel kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                int sharedBytes, GpuStream stream, KernelArgs args);

    /** Waits for all work of the current context. */
    void synchronize();

    /** The vendor's symbolic name for a status code, e.g. CUDA_ERROR_OUT_OF_MEMORY. */
    String errorName(int code);

    /** The vendor's description of a status code. */
    String errorString(int code);

    /**
     * Opens the vendor's BLAS library on the current device.
     *
     * @throws NativeLibraryNotFoundException when cuBLAS / mcBLAS is not installed
     */
    GpuBlas openBlas();

    /** Releases what this driver retained (primary contexts); memory it handed out stays the caller's. */
    @Override
    void close();
}
