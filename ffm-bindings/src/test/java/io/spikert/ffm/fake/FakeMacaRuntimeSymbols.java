package io.spikert.ffm.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * The MetaX MACA runtime on a {@link FakeGpu}: one public method per bound {@code mc*} function. Its
 * error codes are assumed to mirror the CUDA runtime's (unchecked, like the bindings).
 */
public final class FakeMacaRuntimeSymbols {
    static final int MC_SUCCESS = 0;
    static final int MC_ERROR_INVALID_VALUE = 1;
    static final int MC_ERROR_INVALID_DEVICE = 101;
    static final int MC_ERROR_INVALID_IMAGE = 200;
    static final int MC_ERROR_INVALID_HANDLE = 400;
    static final int MC_ERROR_NOT_FOUND = 500;
    static final int MC_ERROR_NOT_READY = 600;
    static final int MC_ERROR_LAUNCH_FAILURE = 719;
    static final int MC_ERROR_UNKNOWN = 999;
    private static final int HOST_TO_DEVICE = 1;
    private static final int DEVICE_TO_HOST = 2;
    private static final int DEVICE_TO_DEVICE = 3;

    private static final Map<Integer, String[]> ERRORS = Map.of(
            MC_SUCCESS, new String[] {"mcSuccess", "no error"},
            MC_ERROR_INVALID_VALUE, new String[] {"mcErrorInvalidValue", "invalid argument"},
            2, new String[] {"mcErrorMemoryAllocation", "out of memory"},
            MC_ERROR_INVALID_DEVICE, new String[] {"mcErrorInvalidDevice", "invalid device ordinal"},
            MC_ERROR_INVALID_IMAGE, new String[] {"mcErrorInvalidKernelImage", "device kernel image is invalid"},
            MC_ERROR_INVALID_HANDLE, new String[] {"mcErrorInvalidResourceHandle", "invalid resource handle"},
            MC_ERROR_NOT_FOUND, new String[] {"mcErrorSymbolNotFound", "named symbol not found"},
            MC_ERROR_LAUNCH_FAILURE, new String[] {"mcErrorLaunchFailure", "unspecified launch failure"},
            MC_ERROR_UNKNOWN, new String[] {"mcErrorUnknown", "unknown error"});

    private final FakeGpu gpu;
    private final long primaryContext;

    FakeMacaRuntimeSymbols(FakeGpu gpu) {
        this.gpu = gpu;
        this.primaryContext = gpu.newHandle();
    }

    private static MemorySegment out(MemorySegment p, long bytes) {
        if (p.equals(MemorySegment.NULL)) {
            throw new IllegalArgumentException("NULL output pointer");
        }
        return p.reinterpret(bytes);
    }

    private MemorySegment text(int error, int which) {
        String[] e = ERRORS.get(error);
        return gpu.cString(e == null ? (which == 0 ? "mcErrorUnrecognized" : "unrecognized error code") : e[which]);
    }

    public MemorySegment mcGetErrorString(int error) {
        return text(error, 1);
    }

    public MemorySegment mcGetErrorName(int error) {
        return text(error, 0);
    }

    public int mcGetDeviceCount(MemorySegment count) {
        int rc = gpu.enter("mcGetDeviceCount");
        if (rc == 0) {
            out(count, 4).set(ValueLayout.JAVA_INT, 0, 1);
        }
        return rc;
    }

    public int mcSetDevice(int deviceId) {
        int rc = gpu.enter("mcSetDevice");
        return rc != 0 ? rc : deviceId == 0 ? MC_SUCCESS : MC_ERROR_INVALID_DEVICE;
    }

    public int mcDeviceSynchronize() {
        return gpu.enter("mcDeviceSynchronize");
    }

    public int mcMemGetInfo(MemorySegment free, MemorySegment total) {
        int rc = gpu.enter("mcMemGetInfo");
        if (rc == 0) {
            out(free, 8).set(ValueLayout.JAVA_LONG, 0, gpu.totalBytes() - gpu.allocatedBytes());
            out(total, 8).set(ValueLayout.JAVA_LONG, 0, gpu.totalBytes());
        }
        return rc;
    }

    public int mcDevicePrimaryCtxRetain(MemorySegment pctx, int dev) {
        int rc = gpu.enter("mcDevicePrimaryCtxRetain");
        if (rc == 0) {
            if (dev != 0) {
                return MC_ERROR_INVALID_DEVICE;
            }
            out(pctx, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(primaryContext));
        }
        return rc;
    }

    public int mcCtxSetCurrent(MemorySegment ctx) {
        int rc = gpu.enter("mcCtxSetCurrent");
        return rc != 0 ? rc : ctx.address() == primaryContext || ctx.address() == 0 ? MC_SUCCESS : MC_ERROR_INVALID_VALUE;
    }

    public int mcMalloc(MemorySegment ptr, long size) {
        int rc = gpu.enter("mcMalloc");
        if (rc == 0) {
            if (size <= 0) {
                return MC_ERROR_INVALID_VALUE;
            }
            out(ptr, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(gpu.allocate(size, false)));
        }
        return rc;
    }

    public int mcFree(MemorySegment ptr) {
        int rc = gpu.enter("mcFree");
        return rc != 0 ? rc : gpu.release(ptr.address(), false) ? MC_SUCCESS : MC_ERROR_INVALID_VALUE;
    }

    public int mcMallocHost(MemorySegment ptr, long size, int flags) {
        int rc = gpu.enter("mcMallocHost");
        if (rc == 0) {
            out(ptr, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(gpu.allocate(size, true)));
        }
        return rc;
    }

    public int mcFreeHost(MemorySegment ptr) {
        int rc = gpu.enter("mcFreeHost");
        return rc != 0 ? rc : gpu.release(ptr.address(), true) ? MC_SUCCESS : MC_ERROR_INVALID_VALUE;
    }

    private int copy(MemorySegment dst, MemorySegment src, long bytes, int kind) {
        if (kind != HOST_TO_DEVICE && kind != DEVICE_TO_HOST && kind != DEVICE_TO_DEVICE) {
            return MC_ERROR_INVALID_VALUE;
        }
        MemorySegment from = kind == HOST_TO_DEVICE ? src.reinterpret(bytes) : gpu.memory(src.address(), bytes);
        MemorySegment to = kind == DEVICE_TO_HOST ? dst.reinterpret(bytes) : gpu.memory(dst.address(), bytes);
        MemorySegment.copy(from, 0, to, 0, bytes);
        return MC_SUCCESS;
    }

    public int mcMemcpy(MemorySegment dst, MemorySegment src, long sizeBytes, int kind) {
        int rc = gpu.enter("mcMemcpy");
        return rc != 0 ? rc : copy(dst, src, sizeBytes, kind);
    }

    public int mcMemcpyAsync(MemorySegment dst, MemorySegment src, long sizeBytes, int kind, MemorySegment stream) {
        int rc = gpu.enter("mcMemcpyAsync");
        return rc != 0 ? rc : gpu.validStream(stream.address()) ? copy(dst, src, sizeBytes, kind) : MC_ERROR_INVALID_HANDLE;
    }

    public int mcMemset(MemorySegment devPtr, int value, long sizeBytes) {
        int rc = gpu.enter("mcMemset");
        if (rc == 0) {
            gpu.memory(devPtr.address(), sizeBytes).fill((byte) value);
        }
        return rc;
    }

    public int mcStreamCreate(MemorySegment stream) {
        int rc = gpu.enter("mcStreamCreate");
        if (rc == 0) {
            out(stream, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(gpu.createStream()));
        }
        return rc;
    }

    public int mcStreamSynchronize(MemorySegment stream) {
        int rc = gpu.enter("mcStreamSynchronize");
        return rc != 0 ? rc : gpu.validStream(stream.address()) ? MC_SUCCESS : MC_ERROR_INVALID_HANDLE;
    }

    public int mcStreamDestroy(MemorySegment stream) {
        int rc = gpu.enter("mcStreamDestroy");
        return rc != 0 ? rc : gpu.destroyStream(stream.address()) ? MC_SUCCESS : MC_ERROR_INVALID_HANDLE;
    }

    public int mcEventCreate(MemorySegment event) {
        int rc = gpu.enter("mcEventCreate");
        if (rc == 0) {
            out(event, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(gpu.createEvent()));
        }
        return rc;
    }

    public int mcEventRecord(MemorySegment event, MemorySegment stream) {
        int rc = gpu.enter("mcEventRecord");
        return rc != 0 ? rc : gpu.validStream(stream.address()) && gpu.recordEvent(event.address())
                ? MC_SUCCESS : MC_ERROR_INVALID_HANDLE;
    }

    public int mcEventSynchronize(MemorySegment event) {
        int rc = gpu.enter("mcEventSynchronize");
        return rc != 0 ? rc : gpu.eventTime(event.address()) != null ? MC_SUCCESS : MC_ERROR_INVALID_HANDLE;
    }

    public int mcEventElapsedTime(MemorySegment ms, MemorySegment start, MemorySegment stop) {
        int rc = gpu.enter("mcEventElapsedTime");
        if (rc == 0) {
            Long t0 = gpu.eventTime(start.address());
            Long t1 = gpu.eventTime(stop.address());
            if (t0 == null || t1 == null) {
                return MC_ERROR_INVALID_HANDLE;
            } else if (t0 < 0 || t1 < 0) {
                return MC_ERROR_NOT_READY;
            }
            out(ms, 4).set(ValueLayout.JAVA_FLOAT, 0, (t1 - t0) / 1e6f);
        }
        return rc;
    }

    public int mcEventDestroy(MemorySegment event) {
        int rc = gpu.enter("mcEventDestroy");
        return rc != 0 ? rc : gpu.destroyEvent(event.address()) ? MC_SUCCESS : MC_ERROR_INVALID_HANDLE;
    }

    public int mcModuleLoadData(MemorySegment module, MemorySegment image) {
        int rc = gpu.enter("mcModuleLoadData");
        if (rc == 0) {
            Long h = gpu.loadModule(image);
            if (h == null) {
                return MC_ERROR_INVALID_IMAGE;
            }
            out(module, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(h));
        }
        return rc;
    }

    public int mcModuleGetFunction(MemorySegment function, MemorySegment module, MemorySegment kname) {
        int rc = gpu.enter("mcModuleGetFunction");
        if (rc == 0) {
            long f = gpu.function(module.address(), kname.reinterpret(4096).getString(0));
            if (f == 0) {
                return MC_ERROR_INVALID_HANDLE;
            } else if (f == -1) {
                return MC_ERROR_NOT_FOUND;
            }
            out(function, 8).set(ValueLayout.ADDRESS, 0, MemorySegment.ofAddress(f));
        }
        return rc;
    }

    public int mcModuleUnload(MemorySegment module) {
        int rc = gpu.enter("mcModuleUnload");
        return rc != 0 ? rc : gpu.unloadModule(module.address()) ? MC_SUCCESS : MC_ERROR_INVALID_HANDLE;
    }

    public int mcModuleLaunchKernel(MemorySegment f, int gridDimX, int gridDimY, int gridDimZ, int blockDimX,
                                    int blockDimY, int blockDimZ, int sharedMemBytes, MemorySegment stream,
                                    MemorySegment kernelParams, MemorySegment extra) {
        int rc = gpu.enter("mcModuleLaunchKernel");
        if (rc != 0) {
            return rc;
        }
        if (!gpu.validStream(stream.address())
                || !FakeGpu.withinLaunchLimits(gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes)
                || kernelParams.equals(MemorySegment.NULL)) {
            return MC_ERROR_INVALID_VALUE;
        }
        try {
            return gpu.launch(f.address(), gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
                    sharedMemBytes, kernelParams) ? MC_SUCCESS : MC_ERROR_INVALID_HANDLE;
        } catch (RuntimeException e) {
            gpu.fail(e);
            return MC_ERROR_LAUNCH_FAILURE;
        }
    }
}
