package io.spikert.ffm.maca;

import static io.spikert.ffm.maca.McRuntime.*;

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
import io.spikert.ffm.NotHeaderChecked;
import io.spikert.ffm.Vendor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link GpuDriver} over MetaX MACA ({@link McRuntime}): the CUDA operations under their {@code mc*}
 * names. Device pointers are {@code void*} addresses carried as {@code long}s.
 */
@NotHeaderChecked("every McRuntime signature it calls is unchecked; see McRuntime")
public final class MacaGpuDriver implements GpuDriver {
    /** MetaX warps are 64 lanes wide (MACA documentation); there is no attribute query bound here. */
    private static final int WARP_SIZE = 64;

    private final String source;
    private final Map<Integer, MemorySegment> retained = new ConcurrentHashMap<>();

    private MacaGpuDriver(String source) {
        this.source = source;
    }

    /**
     * Opens the MACA runtime bound in {@link LibraryLoader} (found by the default search when nothing
     * was bound).
     *
     * @throws io.spikert.ffm.NativeLibraryNotFoundException "no MACA runtime found (looked in: ...)"
     */
    public static MacaGpuDriver open() {
        return new MacaGpuDriver(LibraryLoader.require(NativeLibrary.MACA_RUNTIME).source());
    }

    @Override
    public Vendor vendor() {
        return Vendor.MACA;
    }

    @Override
    public String librarySource() {
        return source;
    }

    @Override
    public int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_INT);
            check(mcGetDeviceCount(out), "mcGetDeviceCount");
            return out.get(C_INT, 0);
        }
    }

    @Override
    public void useDevice(int ordinal) {
        check(mcSetDevice(ordinal), "mcSetDevice(" + ordinal + ")");
        MemorySegment ctx = retained.computeIfAbsent(ordinal, o -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(C_POINTER);
                check(mcDevicePrimaryCtxRetain(out, o), "mcDevicePrimaryCtxRetain(device " + o + ")");
                return out.get(ValueLayout.ADDRESS, 0);
            }
        });
        check(mcCtxSetCurrent(ctx), "mcCtxSetCurrent(device " + ordinal + ")");
    }

    /** No name query is bound for MACA (its device-properties struct layout is unknown here). */
    @Override
    public String deviceName(int ordinal) {
        return "MetaX GPU " + ordinal;
    }

    /** Makes {@code ordinal} the calling thread's device, then asks for its memory. */
    @Override
    public long totalMemory(int ordinal) {
        useDevice(ordinal);
        return memoryInfo().totalBytes();
    }

    @Override
    public int warpSize(int ordinal) {
        return WARP_SIZE;
    }

    /**
     * MACA has no CUDA compute capability and no attribute query is bound here. MetaX kernels are built
     * from the same sources by the vendor's compiler, for the CUDA feature level of sm_80 (no sm_90
     * instructions), so that is what this reports.
     */
    @Override
    public ComputeCapability computeCapability(int ordinal) {
        return new ComputeCapability(8, 0);
    }

    @Override
    public MemoryInfo memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(C_LONG);
            MemorySegment total = a.allocate(C_LONG);
            check(mcMemGetInfo(free, total), "mcMemGetInfo");
            return new MemoryInfo(free.get(C_LONG, 0), total.get(C_LONG, 0));
        }
    }

    @Override
    public long allocate(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(mcMalloc(out, bytes), "mcMalloc(" + bytes + " bytes)");
            return out.get(ValueLayout.ADDRESS, 0).address();
        }
    }

    @Override
    public void free(long devicePointer) {
        check(mcFree(MemorySegment.ofAddress(devicePointer)), "mcFree(0x" + Long.toHexString(devicePointer) + ")");
    }

    @Override
    public MemorySegment allocateHost(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(mcMallocHost(out, bytes, 0), "mcMallocHost(" + bytes + " bytes)");
            return out.get(ValueLayout.ADDRESS, 0).reinterpret(bytes);
        }
    }

    @Override
    public void freeHost(MemorySegment host) {
        check(mcFreeHost(host), "mcFreeHost");
    }

    @Override
    public void copyToDevice(long dst, MemorySegment src, long bytes) {
        HostMemory.withNativeSource(src, bytes, s -> check(mcMemcpy(MemorySegment.ofAddress(dst), s, bytes,
                mcMemcpyHostToDevice()), "mcMemcpy(host to device, " + bytes + " bytes)"));
    }

    @Override
    public void copyToHost(MemorySegment dst, long src, long bytes) {
        HostMemory.withNativeDestination(dst, bytes, d -> check(mcMemcpy(d, MemorySegment.ofAddress(src), bytes,
                mcMemcpyDeviceToHost()), "mcMemcpy(device to host, " + bytes + " bytes)"));
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes) {
        check(mcMemcpy(MemorySegment.ofAddress(dst), MemorySegment.ofAddress(src), bytes, mcMemcpyDeviceToDevice()),
                "mcMemcpy(device to device, " + bytes + " bytes)");
    }

    @Override
    public void copyToDeviceAsync(long dst, MemorySegment src, long bytes, GpuStream stream) {
        HostMemory.requireNative(src, bytes, "source");
        check(mcMemcpyAsync(MemorySegment.ofAddress(dst), src, bytes, mcMemcpyHostToDevice(), stream.handle()),
                "mcMemcpyAsync(host to device, " + bytes + " bytes)");
    }

    @Override
    public void copyToHostAsync(MemorySegment dst, long src, long bytes, GpuStream stream) {
        HostMemory.requireNative(dst, bytes, "destination");
        check(mcMemcpyAsync(dst, MemorySegment.ofAddress(src), bytes, mcMemcpyDeviceToHost(), stream.handle()),
                "mcMemcpyAsync(device to host, " + bytes + " bytes)");
    }

    @Override
    public void fill(long dst, byte value, long bytes) {
        check(mcMemset(MemorySegment.ofAddress(dst), value & 0xFF, bytes), "mcMemset(" + bytes + " bytes)");
    }

    @Override
    public GpuStream createStream() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(mcStreamCreate(out), "mcStreamCreate");
            return new GpuStream(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    @Override
    public void synchronize(GpuStream stream) {
        check(mcStreamSynchronize(stream.handle()), "mcStreamSynchronize");
    }

    @Override
    public void destroy(GpuStream stream) {
        check(mcStreamDestroy(stream.handle()), "mcStreamDestroy");
    }

    @Override
    public GpuEvent createEvent() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(mcEventCreate(out), "mcEventCreate");
            return new GpuEvent(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    @Override
    public void record(GpuEvent event, GpuStream stream) {
        check(mcEventRecord(event.handle(), stream.handle()), "mcEventRecord");
    }

    @Override
    public void synchronize(GpuEvent event) {
        check(mcEventSynchronize(event.handle()), "mcEventSynchronize");
    }

    @Override
    public float elapsedMillis(GpuEvent start, GpuEvent end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_FLOAT);
            check(mcEventElapsedTime(out, start.handle(), end.handle()), "mcEventElapsedTime");
            return out.get(C_FLOAT, 0);
        }
    }

    @Override
    public void destroy(GpuEvent event) {
        check(mcEventDestroy(event.handle()), "mcEventDestroy");
    }

    @Override
    public GpuModule loadModule(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(mcModuleLoadData(out, image), "mcModuleLoadData(" + image.byteSize() + "-byte image)");
            return new GpuModule(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    @Override
    public GpuKernel kernel(GpuModule module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(C_POINTER);
            check(mcModuleGetFunction(out, module.handle(), a.allocateFrom(name)),
                    "mcModuleGetFunction(\"" + name + "\")");
            return new GpuKernel(out.get(ValueLayout.ADDRESS, 0));
        }
    }

    @Override
    public void unload(GpuModule module) {
        check(mcModuleUnload(module.handle()), "mcModuleUnload");
    }

    @Override
    public void launch(GpuKernel kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                       int sharedBytes, GpuStream stream, KernelArgs args) {
        try (Arena a = Arena.ofConfined()) {
            check(mcModuleLaunchKernel(kernel.handle(), gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes,
                            stream.handle(), args.pack(a), MemorySegment.NULL),
                    "mcModuleLaunchKernel(grid " + gridX + "x" + gridY + "x" + gridZ + ", block " + blockX + "x"
                            + blockY + "x" + blockZ + ", " + args.count() + " args)");
        }
    }

    @Override
    public void synchronize() {
        check(mcDeviceSynchronize(), "mcDeviceSynchronize");
    }

    @Override
    public String errorName(int code) {
        return text(mcGetErrorName(code), code);
    }

    @Override
    public String errorString(int code) {
        return text(mcGetErrorString(code), code);
    }

    private static String text(MemorySegment s, int code) {
        return s.equals(MemorySegment.NULL) ? "unrecognized mcError_t " + code : s.reinterpret(Long.MAX_VALUE).getString(0);
    }

    @Override
    public GpuBlas openBlas() {
        return McblasGpuBlas.open();
    }

    /** MACA has no primary-context release bound here; the runtime releases contexts at exit. */
    @Override
    public void close() {
        retained.clear();
    }

    private void check(int rc, String call) {
        if (rc != mcSuccess()) {
            throw new GpuException(Vendor.MACA, call, rc, errorName(rc), errorString(rc));
        }
    }
}
