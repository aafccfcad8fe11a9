package io.spikert.ffm.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * The CUDA driver API on a {@link FakeGpu}: one public method per bound C function, named after its
 * versioned symbol, with the C signature in Java types. Status codes are CUDA's.
 */
public final class FakeCudaDriverSymbols {
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_INVALID_VALUE = 1;
    static final int CUDA_ERROR_NOT_INITIALIZED = 3;
    static final int CUDA_ERROR_INVALID_DEVICE = 101;
    static final int CUDA_ERROR_INVALID_IMAGE = 200;
    static final int CUDA_ERROR_INVALID_CONTEXT = 201;
    static final int CUDA_ERROR_INVALID_HANDLE = 400;
    static final int CUDA_ERROR_NOT_FOUND = 500;
    static final int CUDA_ERROR_NOT_READY = 600;
    static final int CUDA_ERROR_LAUNCH_FAILED = 719;
    static final int CUDA_ERROR_UNKNOWN = 999;

    private static final Map<Integer, String[]> ERRORS = Map.ofEntries(
            Map.entry(CUDA_SUCCESS, new String[] {"CUDA_SUCCESS", "no error"}),
            Map.entry(CUDA_ERROR_INVALID_VALUE, new String[] {"CUDA_ERROR_INVALID_VALUE", "invalid argument"}),
            Map.entry(2, new String[] {"CUDA_ERROR_OUT_OF_MEMORY", "out of memory"}),
            Map.entry(CUDA_ERROR_NOT_INITIALIZED, new String[] {"CUDA_ERROR_NOT_INITIALIZED", "initialization error"}),
            Map.entry(CUDA_ERROR_INVALID_DEVICE, new String[] {"CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"}),
            Map.entry(CUDA_ERROR_INVALID_IMAGE, new String[] {"CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"}),
            Map.entry(CUDA_ERROR_INVALID_HANDLE, new String[] {"CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"}),
            Map.entry(CUDA_ERROR_NOT_FOUND, new String[] {"CUDA_ERROR_NOT_FOUND", "named symbol not found"}),
            Map.entry(CUDA_ERROR_LAUNCH_FAILED, new String[] {"CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"}),
            Map.entry(CUDA_ERROR_UNKNOWN, new String[] {"CUDA_ERROR_UNKNOWN", "unknown error"}),
            Map.entry(CUDA_ERROR_INVALID_CONTEXT, new String[] {"CUDA_ERROR_INVALID_CONTEXT", "invalid device context"}),
            Map.entry(CUDA_ERROR_NOT_READY, new String[] {"CUDA_ERROR_NOT_READY", "device not ready"}));

    private final FakeGpu gpu;
    private volatile boolean initialised;
    private final ThreadLocal<Long> current = ThreadLocal.withInitial(() -> 0L);
    private final long primaryContext;

    FakeCudaDriverSymbols(FakeGpu gpu) {
        this.gpu = gpu;
        this.primaryContext = gpu.newHandle();
    }

    private int enter(String symbol) {
        int injected = gpu.enter(symbol);
        if (injected != 0) {
            return injected;
        }
        return !initialised && !symbol.equals("cuInit") && !symbol.startsWith("cuGetError")
                && !symbol.equals("cuDriverGetVersion") ? CUDA_ERROR_NOT_INITIALIZED : 0;
    }

    /** Device work needs a current context, as on a real driver. */
    private int enterWithContext(String symbol) {
        int rc = enter(symbol);
        return rc != 0 ? rc : current.get() == 0 ? CUDA_ERROR_INVALID_CONTEXT : 0;
    }

    private static MemorySegment out(MemorySegment p, long bytes) {
        if (p.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException("NULL output pointer");
        }
        return p.reinterpret(bytes);
    }

    public int cuGetErrorString(int error, MemorySegment pStr) {
        String[] e = ERRORS.get(error);
        out(pStr, 8).set(ValueLayout.ADDRESS, 0, e == null ? MemorySegment.NULL : gpu.cString(e[1]));
        return e == null ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
    }

    public int cuGetErrorName(int error, MemorySegment pStr) {
        String[] e = ERRORS.get(error);
        out(pStr, 8).set(ValueLayout.ADDRESS, 0, e == null ? MemorySegment.NULL : gpu.cString(e[0]));
        return e == null ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
    }

    public int cuInit(int Flags) {
        int rc = enter("cuInit");
        if (rc == 0) {
            initialised = Flags == 0;
            rc = Flags == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
        }
        return rc;
    }

    public int cuDriverGetVersion(MemorySegment driverVersion) {
        int rc = enter("cuDriverGetVersion");
        if (rc == 0) {
            out(driverVersion, 4).set(ValueLayout.JAVA_INT, 0, 13000);
        }
        return rc;
    }

    public int cuDeviceGet(MemorySegment device, int ordinal) {
        int rc = enter("cuDeviceGet");
        if (rc == 0) {
            if (ordinal != 0) {
                return CUDA_ERROR_INVALID_DEVICE;
            }
            out(device, 4).set(ValueLayout.JAVA_INT, 0, 0);
        }
        return rc;
    }

    public int cuDeviceGetCount(MemorySegment count) {
        int rc = enter("cuDeviceGetCount");
        if (rc == 0) {
            out(count, 4).set(ValueLayout.JAVA_INT, 0, 1);
        }
        return rc;
    }

    public int cuDeviceGetName(MemorySegment name, int len, int dev) {
        int rc = enter("cuDeviceGetName");
        if (rc == 0) {
            if (dev != 0) {
                return CUDA_ERROR_INVALID_DEVICE;
            }
            byte[] text = "Fake CUDA GPU".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            MemorySegment buf = out(name, len);
            int n = Math.min(text.length, len - 1);
            MemorySegment.copy(MemorySegment.ofArray(text), 0, buf, 0, n);
            buf.set(ValueLayout.JAVA_BYTE, n, (byte) 0);
        }
        return rc;
    }

    public int cuDeviceTotalMem_v2(MemorySegment bytes, int dev) {
        int rc = enter("cuDeviceTotalMem_v2");
        if (rc == 0) {
            out(bytes, 8).set(ValueLayout.JAVA_LONG, 0, gpu.totalBytes());
        }
        return rc;
    }

    public int cuDeviceGetAttribute(MemorySegment pi, int attrib, int dev) {
        int rc = enter("cuDeviceGetAttribute");
        if (rc == 0) {
            int value = switch (attrib) {
                case 1 -> 1024;        // MAX_THREADS_PER_BLOCK
                case 8 -> 48 * 1024;   // MAX_SHARED_MEMORY_PER_BLOCK
                case 10 -> 32;         // WARP_SIZE
                case 16 -> 132;        // MULTIPROCESSOR_COUNT
                case 75 -> 9;          // COMPUTE_CAPABILITY_MAJOR
                case 76 -> 0;          // COMPUTE_CAPABILITY_MINOR
                default -> -1;
            };
            if (value < 0) {
                return CUDA_ERROR_INVALID_VALUE;
            }
            out(pi, 4).set(ValueLayout.JAVA_INT, 0, value);
        }
        return rc;
    }

    public int cuDevicePrimaryCtxRetain(MemorySegment pctx, int dev) {
        int rc = enter("cuDevicePrimaryCtxRetain");
        if (rc == 0) {
            if (dev != 0) {
                return CUDA_ERROR_INVALID_DEVICE;
            }
            out(pctx, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(primaryContext));
        }
        return rc;
    }

    public int cuDevicePrimaryCtxRelease_v2(int dev) {
        int rc = enter("cuDevicePrimaryCtxRelease_v2");
        return rc != 0 ? rc : dev == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
    }

    public int cuCtxSetCurrent(MemorySegment ctx) {
        int rc = enter("cuCtxSetCurrent");
        if (rc == 0) {
            if (ctx.address() != primaryContext && ctx.address() != 0) {
                return CUDA_ERROR_INVALID_CONTEXT;
            }
            current.set(ctx.address());
        }
        return rc;
    }

    public int cuCtxSynchronize() {
        return enterWithContext("cuCtxSynchronize");
    }

    public int cuModuleLoadData(MemorySegment module, MemorySegment image) {
        int rc = enterWithContext("cuModuleLoadData");
        if (rc == 0) {
            Long h = gpu.loadModule(image);
            if (h == null) {
                return CUDA_ERROR_INVALID_IMAGE;
            }
            out(module, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(h));
        }
        return rc;
    }

    public int cuModuleUnload(MemorySegment hmod) {
        int rc = enterWithContext("cuModuleUnload");
        return rc != 0 ? rc : gpu.unloadModule(hmod.address()) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
    }

    public int cuModuleGetFunction(MemorySegment hfunc, MemorySegment hmod, MemorySegment name) {
        int rc = enterWithContext("cuModuleGetFunction");
        if (rc == 0) {
            long f = gpu.function(hmod.address(), name.reinterpret(4096).getString(0));
            if (f == 0) {
                return CUDA_ERROR_INVALID_HANDLE;
            } else if (f == -1) {
                return CUDA_ERROR_NOT_FOUND;
            }
            out(hfunc, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(f));
        }
        return rc;
    }

    public int cuMemGetInfo_v2(MemorySegment free, MemorySegment total) {
        int rc = enterWithContext("cuMemGetInfo_v2");
        if (rc == 0) {
            out(free, 8).set(ValueLayout.JAVA_LONG, 0, gpu.totalBytes() - gpu.allocatedBytes());
            out(total, 8).set(ValueLayout.JAVA_LONG, 0, gpu.totalBytes());
        }
        return rc;
    }

    public int cuMemAlloc_v2(MemorySegment dptr, long bytesize) {
        int rc = enterWithContext("cuMemAlloc_v2");
        if (rc == 0) {
            if (bytesize <= 0) {
                return CUDA_ERROR_INVALID_VALUE;
            }
            out(dptr, 8).set(ValueLayout.JAVA_LONG, 0, gpu.allocate(bytesize, false));
        }
        return rc;
    }

    public int cuMemFree_v2(long dptr) {
        int rc = enterWithContext("cuMemFree_v2");
        return rc != 0 ? rc : gpu.release(dptr, false) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
    }

    public int cuMemAllocHost_v2(MemorySegment pp, long bytesize) {
        int rc = enterWithContext("cuMemAllocHost_v2");
        if (rc == 0) {
            out(pp, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(gpu.allocate(bytesize, true)));
        }
        return rc;
    }

    public int cuMemFreeHost(MemorySegment p) {
        int rc = enterWithContext("cuMemFreeHost");
        return rc != 0 ? rc : gpu.release(p.address(), true) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
    }

    public int cuMemHostRegister_v2(MemorySegment p, long bytesize, int Flags) {
        int rc = enterWithContext("cuMemHostRegister_v2");
        return rc != 0 ? rc : p.equals(MemorySegment.NULL) || bytesize <= 0 ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
    }

    public int cuMemHostUnregister(MemorySegment p) {
        return enterWithContext("cuMemHostUnregister");
    }

    public int cuMemcpyHtoD_v2(long dstDevice, MemorySegment srcHost, long ByteCount) {
        int rc = enterWithContext("cuMemcpyHtoD_v2");
        if (rc == 0) {
            MemorySegment.copy(srcHost.reinterpret(ByteCount), 0, gpu.memory(dstDevice, ByteCount), 0, ByteCount);
        }
        return rc;
    }

    public int cuMemcpyDtoH_v2(MemorySegment dstHost, long srcDevice, long ByteCount) {
        int rc = enterWithContext("cuMemcpyDtoH_v2");
        if (rc == 0) {
            MemorySegment.copy(gpu.memory(srcDevice, ByteCount), 0, dstHost.reinterpret(ByteCount), 0, ByteCount);
        }
        return rc;
    }

    public int cuMemcpyDtoD_v2(long dstDevice, long srcDevice, long ByteCount) {
        int rc = enterWithContext("cuMemcpyDtoD_v2");
        if (rc == 0) {
            MemorySegment.copy(gpu.memory(srcDevice, ByteCount), 0, gpu.memory(dstDevice, ByteCount), 0, ByteCount);
        }
        return rc;
    }

    public int cuMemcpyHtoDAsync_v2(long dstDevice, MemorySegment srcHost, long ByteCount, MemorySegment hStream) {
        if (!gpu.validStream(hStream.address())) {
            gpu.enter("cuMemcpyHtoDAsync_v2");
            return CUDA_ERROR_INVALID_HANDLE;
        }
        int rc = enterWithContext("cuMemcpyHtoDAsync_v2");
        if (rc == 0) {
            MemorySegment.copy(srcHost.reinterpret(ByteCount), 0, gpu.memory(dstDevice, ByteCount), 0, ByteCount);
        }
        return rc;
    }

    public int cuMemcpyDtoHAsync_v2(MemorySegment dstHost, long srcDevice, long ByteCount, MemorySegment hStream) {
        if (!gpu.validStream(hStream.address())) {
            gpu.enter("cuMemcpyDtoHAsync_v2");
            return CUDA_ERROR_INVALID_HANDLE;
        }
        int rc = enterWithContext("cuMemcpyDtoHAsync_v2");
        if (rc == 0) {
            MemorySegment.copy(gpu.memory(srcDevice, ByteCount), 0, dstHost.reinterpret(ByteCount), 0, ByteCount);
        }
        return rc;
    }

    public int cuMemsetD8_v2(long dstDevice, byte uc, long N) {
        int rc = enterWithContext("cuMemsetD8_v2");
        if (rc == 0) {
            gpu.memory(dstDevice, N).fill(uc);
        }
        return rc;
    }

    public int cuMemsetD32_v2(long dstDevice, int ui, long N) {
        int rc = enterWithContext("cuMemsetD32_v2");
        if (rc == 0) {
            MemorySegment m = gpu.memory(dstDevice, N * 4);
            for (long i = 0; i < N; i++) {
                m.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, ui);
            }
        }
        return rc;
    }

    public int cuStreamCreate(MemorySegment phStream, int Flags) {
        int rc = enterWithContext("cuStreamCreate");
        if (rc == 0) {
            out(phStream, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(gpu.createStream()));
        }
        return rc;
    }

    public int cuStreamSynchronize(MemorySegment hStream) {
        int rc = enterWithContext("cuStreamSynchronize");
        return rc != 0 ? rc : gpu.validStream(hStream.address()) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
    }

    public int cuStreamDestroy_v2(MemorySegment hStream) {
        int rc = enterWithContext("cuStreamDestroy_v2");
        return rc != 0 ? rc : gpu.destroyStream(hStream.address()) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
    }

    public int cuEventCreate(MemorySegment phEvent, int Flags) {
        int rc = enterWithContext("cuEventCreate");
        if (rc == 0) {
            out(phEvent, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(gpu.createEvent()));
        }
        return rc;
    }

    public int cuEventRecord(MemorySegment hEvent, MemorySegment hStream) {
        int rc = enterWithContext("cuEventRecord");
        return rc != 0 ? rc : gpu.validStream(hStream.address()) && gpu.recordEvent(hEvent.address())
                ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
    }

    public int cuEventSynchronize(MemorySegment hEvent) {
        int rc = enterWithContext("cuEventSynchronize");
        return rc != 0 ? rc : gpu.eventTime(hEvent.address()) != null ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
    }

    public int cuEventDestroy_v2(MemorySegment hEvent) {
        int rc = enterWithContext("cuEventDestroy_v2");
        return rc != 0 ? rc : gpu.destroyEvent(hEvent.address()) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
    }

    public int cuEventElapsedTime_v2(MemorySegment pMilliseconds, MemorySegment hStart, MemorySegment hEnd) {
        int rc = enterWithContext("cuEventElapsedTime_v2");
        if (rc == 0) {
            Long start = gpu.eventTime(hStart.address());
            Long end = gpu.eventTime(hEnd.address());
            if (start == null || end == null) {
                return CUDA_ERROR_INVALID_HANDLE;
            } else if (start < 0 || end < 0) {
                return CUDA_ERROR_NOT_READY;
            }
            out(pMilliseconds, 4).set(ValueLayout.JAVA_FLOAT, 0, (end - start) / 1e6f);
        }
        return rc;
    }

    public int cuLaunchKernel(MemorySegment f, int gridDimX, int gridDimY, int gridDimZ, int blockDimX,
                              int blockDimY, int blockDimZ, int sharedMemBytes, MemorySegment hStream,
                              MemorySegment kernelParams, MemorySegment extra) {
        int rc = enterWithContext("cuLaunchKernel");
        if (rc != 0) {
            return rc;
        }
        if (!gpu.validStream(hStream.address())
                || !FakeGpu.withinLaunchLimits(gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes)
                || kernelParams.equals(MemorySegment.NULL)) {
            return CUDA_ERROR_INVALID_VALUE;
        }
        try {
            return gpu.launch(f.address(), gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
                    sharedMemBytes, kernelParams) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
        } catch (RuntimeException e) {
            gpu.fail(e);
            return CUDA_ERROR_LAUNCH_FAILED;
        }
    }
}
