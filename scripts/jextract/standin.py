#!/usr/bin/env python3
"""Writes the committed binding classes in the shape jextract generates, for machines where
jextract cannot be installed (see README.md here). Each library below lists the C prototypes it
binds, exactly as the C compiler sees them after macro expansion (cuMemAlloc -> cuMemAlloc_v2), and
its integer constants. Where real headers exist (cuda.h, cuda_runtime_api.h), the tests in
ffm-bindings check these prototypes and values against them; the others are marked
@NotHeaderChecked in the generated code.

Usage: scripts/jextract/standin.py [output-source-root]   (default: ffm-bindings/src/generated/java)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

INT_TYPES = {
    "int", "unsigned int", "CUresult", "CUdevice", "CUdevice_attribute", "cudaError_t",
    "cublasStatus_t", "cublasOperation_t", "cublasMath_t", "cublasComputeType_t",
    "cublasGemmAlgo_t", "cudaDataType", "nvrtcResult", "mcError_t", "mcMemcpyKind", "mcDevice_t",
    "mcblasStatus_t", "mcblasOperation_t", "mcblasComputeType_t", "mcblasGemmAlgo_t",
    "macaDataType", "dnnl_status_t", "dnnl_cpu_isa_t", "unsigned", "dnnl_engine_kind_t",
    "dnnl_data_type_t", "dnnl_query_t", "dnnl_scratchpad_mode_t",
}
LONG_TYPES = {"size_t": "C_LONG", "CUdeviceptr": "C_LONG_LONG", "long long int": "C_LONG_LONG",
              "long long": "C_LONG_LONG", "unsigned long long": "C_LONG_LONG",
              "dnnl_dim_t": "C_LONG_LONG"}
HANDLE_TYPES = {"CUcontext", "CUmodule", "CUfunction", "CUstream", "CUevent", "cublasHandle_t",
                "cudaStream_t", "nvrtcProgram", "mcStream_t", "mcEvent_t", "mcModule_t",
                "mcFunction_t", "mcCtx_t", "mcblasHandle_t", "dnnl_engine_t", "dnnl_stream_t",
                "dnnl_memory_desc_t", "const_dnnl_memory_desc_t", "dnnl_primitive_desc_t",
                "const_dnnl_primitive_desc_t", "dnnl_primitive_t", "const_dnnl_primitive_t", "dnnl_memory_t",
                "dnnl_primitive_attr_t", "const_dnnl_primitive_attr_t", "dnnl_dims_t"}


def layout(ctype):
    t = ctype.replace("const ", "").strip()
    if "*" in t:
        return "C_POINTER", "MemorySegment"
    if t in INT_TYPES:
        return "C_INT", "int"
    if t in LONG_TYPES:
        return LONG_TYPES[t], "long"
    if t in HANDLE_TYPES:
        return "C_POINTER", "MemorySegment"
    if t == "float":
        return "C_FLOAT", "float"
    if t in ("unsigned char", "char", "uint8_t", "int8_t"):
        return "C_CHAR", "byte"
    raise SystemExit("standin.py: no layout for C type '%s'" % ctype)


PROTO = re.compile(r"^\s*(.+?)\s*\b(\w+)\s*\((.*)\)\s*;\s*$")


def parse(proto):
    m = PROTO.match(" ".join(proto.split()))
    if not m:
        raise SystemExit("standin.py: cannot parse prototype: " + proto)
    ret, name, args = m.group(1), m.group(2), m.group(3).strip()
    # "const char*" return types keep their star on the type side.
    if ret.endswith("*") is False and name.startswith("*"):
        pass
    params = []
    if args and args != "void":
        for a in args.split(","):
            a = a.strip()
            am = re.match(r"^(.*?)([\w]+)$", a)
            ctype, pname = am.group(1).strip(), am.group(2)
            params.append((ctype, pname))
    return ret, name, params


def fn_code(cls, proto, unchecked):
    ret, name, params = parse(proto)
    c_sig = " ".join(proto.strip().rstrip(";").split())
    lays = ([] if ret == "void" else [layout(ret)[0]]) + [layout(t)[0] for t, _ in params]
    jret = "void" if ret == "void" else layout(ret)[1]
    desc_fn = "FunctionDescriptor.ofVoid" if ret == "void" else "FunctionDescriptor.of"
    desc_args = ",\n".join("            %s.%s" % (cls, l) for l in lays)
    jparams = ", ".join("%s %s" % (layout(t)[1], n) for t, n in params)
    jnames = ", ".join(n for _, n in params)
    mark = ('    @NotHeaderChecked("%s")\n' % unchecked) if unchecked else ""
    call = "mh$.invokeExact(%s)" % jnames
    body = ("            %s;\n" % call) if jret == "void" else \
        ("            return (%s) %s;\n" % (jret, call))
    trace_args = (", " + jnames) if jnames else ""
    return f"""
{mark}    private static class {name} {{
        public static final FunctionDescriptor DESC = {desc_fn}(
{desc_args}
        );

        public static final MemorySegment ADDR = {cls}.findOrThrow("{name}");

        public static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(ADDR, DESC);
    }}

    /**
     * Function descriptor for:
     * {{@snippet lang=c :
     * {c_sig}
     * }}
     */
{mark}    public static FunctionDescriptor {name}$descriptor() {{
        return {name}.DESC;
    }}

    /**
     * Downcall method handle for:
     * {{@snippet lang=c :
     * {c_sig}
     * }}
     */
    public static MethodHandle {name}$handle() {{
        return {name}.HANDLE;
    }}

    /**
     * Address for:
     * {{@snippet lang=c :
     * {c_sig}
     * }}
     */
    public static MemorySegment {name}$address() {{
        return {name}.ADDR;
    }}

    /**
     * {{@snippet lang=c :
     * {c_sig}
     * }}
     */
{mark}    public static {jret} {name}({jparams}) {{
        var mh$ = {name}.HANDLE;
        try {{
            if (TRACE_DOWNCALLS) {{
                traceDowncall("{name}"{trace_args});
            }}
{body}        }} catch (Error | RuntimeException ex) {{
           throw ex;
        }} catch (Throwable ex$) {{
           throw new AssertionError("should not reach here", ex$);
        }}
    }}
"""


def const_code(name, value, ctype, unchecked):
    mark = ('    @NotHeaderChecked("%s")\n' % unchecked) if unchecked else ""
    return f"""
    private static final int {name} = (int){value}L;
    /**
     * {{@snippet lang=c :
     * {ctype} {name} = {value}
     * }}
     */
{mark}    public static int {name}() {{
        return {name};
    }}
"""


HEADER = """// Generated by scripts/jextract/standin.py in the shape of jextract's output (see
// scripts/jextract/README.md); regenerate with scripts/jextract/regenerate.sh where jextract is
// installed. Only SYMBOL_LOOKUP differs from jextract's text: it resolves through LibraryLoader,
// lazily, so loading this class never loads the library. Do not edit by hand: change standin.py or
// the .args files and rerun them (this source root, src/generated/java, holds only generated classes).

package {pkg};

import java.lang.invoke.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

import static java.lang.foreign.ValueLayout.*;
import static java.lang.foreign.MemoryLayout.PathElement.*;
{imports}
/**
 * {doc}
 */
{classmark}@SuppressWarnings("unused")
public class {cls} {{

    {cls}() {{
        // Should not be called directly
    }}

    static final Arena LIBRARY_ARENA = Arena.ofAuto();
    static final boolean TRACE_DOWNCALLS = Boolean.getBoolean("jextract.trace.downcalls");

    static void traceDowncall(String name, Object... args) {{
         String traceArgs = Arrays.stream(args)
                       .map(Object::toString)
                       .collect(Collectors.joining(", "));
         System.out.printf("%s(%s)\\n", name, traceArgs);
    }}

    static MemorySegment findOrThrow(String symbol) {{
        return SYMBOL_LOOKUP.find(symbol)
            .orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + symbol));
    }}

    static MethodHandle upcallHandle(Class<?> fi, String name, FunctionDescriptor fdesc) {{
        try {{
            return MethodHandles.lookup().findVirtual(fi, name, fdesc.toMethodType());
        }} catch (ReflectiveOperationException ex) {{
            throw new AssertionError(ex);
        }}
    }}

    static MemoryLayout align(MemoryLayout layout, long align) {{
        return switch (layout) {{
            case PaddingLayout p -> p;
            case ValueLayout v -> v.withByteAlignment(align);
            case GroupLayout g -> {{
                MemoryLayout[] alignedMembers = g.memberLayouts().stream()
                        .map(m -> align(m, align)).toArray(MemoryLayout[]::new);
                yield g instanceof StructLayout ?
                        MemoryLayout.structLayout(alignedMembers) : MemoryLayout.unionLayout(alignedMembers);
            }}
            case SequenceLayout s -> MemoryLayout.sequenceLayout(s.elementCount(), align(s.elementLayout(), align));
        }};
    }}

    // Resolved on first use (never while this class initialises), so the class and its constants
    // load on machines without the library; tests may bind a fake through LibraryLoader.bind.
    static final SymbolLookup SYMBOL_LOOKUP = name -> LibraryLoader.lookup(NativeLibrary.{lib}).find(name);

    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
"""

CUDA_DRIVER = dict(
    pkg="io.spikert.ffm.cuda", cls="CudaDriver", lib="CUDA_DRIVER", unchecked=None,
    doc="CUDA driver API ({@code libcuda.so.1}, from {@code cuda.h} of CUDA 13), the functions the runtime uses.",
    protos="""
CUresult cuGetErrorString(CUresult error, const char **pStr);
CUresult cuGetErrorName(CUresult error, const char **pStr);
CUresult cuInit(unsigned int Flags);
CUresult cuDriverGetVersion(int *driverVersion);
CUresult cuDeviceGet(CUdevice *device, int ordinal);
CUresult cuDeviceGetCount(int *count);
CUresult cuDeviceGetName(char *name, int len, CUdevice dev);
CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev);
CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib, CUdevice dev);
CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev);
CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev);
CUresult cuCtxSetCurrent(CUcontext ctx);
CUresult cuCtxSynchronize(void);
CUresult cuModuleLoadData(CUmodule *module, const void *image);
CUresult cuModuleUnload(CUmodule hmod);
CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name);
CUresult cuMemGetInfo_v2(size_t *free, size_t *total);
CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize);
CUresult cuMemFree_v2(CUdeviceptr dptr);
CUresult cuMemAllocHost_v2(void **pp, size_t bytesize);
CUresult cuMemFreeHost(void *p);
CUresult cuMemHostRegister_v2(void *p, size_t bytesize, unsigned int Flags);
CUresult cuMemHostUnregister(void *p);
CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount);
CUresult cuMemcpyDtoH_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount);
CUresult cuMemcpyDtoD_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice, size_t ByteCount);
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost, size_t ByteCount, CUstream hStream);
CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount, CUstream hStream);
CUresult cuMemsetD8_v2(CUdeviceptr dstDevice, unsigned char uc, size_t N);
CUresult cuMemsetD32_v2(CUdeviceptr dstDevice, unsigned int ui, size_t N);
CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags);
CUresult cuStreamSynchronize(CUstream hStream);
CUresult cuStreamDestroy_v2(CUstream hStream);
CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags);
CUresult cuEventRecord(CUevent hEvent, CUstream hStream);
CUresult cuEventSynchronize(CUevent hEvent);
CUresult cuEventDestroy_v2(CUevent hEvent);
CUresult cuEventElapsedTime_v2(float *pMilliseconds, CUevent hStart, CUevent hEnd);
CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream, void **kernelParams, void **extra);
""",
    consts=[("CUDA_VERSION", 13000, "#define", None)] + [(n, v, "enum cudaError_enum", None) for n, v in [
        ("CUDA_SUCCESS", 0), ("CUDA_ERROR_INVALID_VALUE", 1), ("CUDA_ERROR_OUT_OF_MEMORY", 2),
        ("CUDA_ERROR_NOT_INITIALIZED", 3), ("CUDA_ERROR_DEINITIALIZED", 4), ("CUDA_ERROR_STUB_LIBRARY", 34),
        ("CUDA_ERROR_NO_DEVICE", 100), ("CUDA_ERROR_INVALID_DEVICE", 101), ("CUDA_ERROR_INVALID_IMAGE", 200),
        ("CUDA_ERROR_INVALID_CONTEXT", 201), ("CUDA_ERROR_NO_BINARY_FOR_GPU", 209), ("CUDA_ERROR_INVALID_PTX", 218),
        ("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", 222), ("CUDA_ERROR_INVALID_SOURCE", 300),
        ("CUDA_ERROR_FILE_NOT_FOUND", 301), ("CUDA_ERROR_INVALID_HANDLE", 400), ("CUDA_ERROR_NOT_FOUND", 500),
        ("CUDA_ERROR_NOT_READY", 600), ("CUDA_ERROR_ILLEGAL_ADDRESS", 700),
        ("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", 701), ("CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED", 712),
        ("CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED", 713), ("CUDA_ERROR_LAUNCH_FAILED", 719),
        ("CUDA_ERROR_NOT_PERMITTED", 800), ("CUDA_ERROR_NOT_SUPPORTED", 801), ("CUDA_ERROR_UNKNOWN", 999)]]
    + [(n, v, "enum CUdevice_attribute_enum", None) for n, v in [
        ("CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK", 1), ("CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK", 8),
        ("CU_DEVICE_ATTRIBUTE_WARP_SIZE", 10), ("CU_DEVICE_ATTRIBUTE_CLOCK_RATE", 13),
        ("CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT", 16), ("CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE", 36),
        ("CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH", 37), ("CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE", 38),
        ("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR", 75), ("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR", 76),
        ("CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN", 97)]]
    + [("CU_STREAM_DEFAULT", 0, "enum CUstream_flags_enum", None), ("CU_STREAM_NON_BLOCKING", 1, "enum CUstream_flags_enum", None),
       ("CU_EVENT_DEFAULT", 0, "enum CUevent_flags_enum", None), ("CU_EVENT_BLOCKING_SYNC", 1, "enum CUevent_flags_enum", None),
       ("CU_EVENT_DISABLE_TIMING", 2, "enum CUevent_flags_enum", None),
       ("CU_MEMHOSTALLOC_PORTABLE", 1, "#define", None), ("CU_MEMHOSTREGISTER_PORTABLE", 1, "#define", None)],
)

CUDA_RUNTIME = dict(
    pkg="io.spikert.ffm.cudart", cls="CudaRuntime", lib="CUDA_RUNTIME", unchecked=None,
    doc="The few CUDA runtime API calls ({@code libcudart.so.13}, {@code cuda_runtime_api.h}) used to test the no-driver path on machines without a GPU.",
    protos="""
const char* cudaGetErrorString(cudaError_t error);
cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaRuntimeGetVersion(int *runtimeVersion);
""",
    consts=[("CUDART_VERSION", 13000, "#define", None), ("cudaSuccess", 0, "enum cudaError", None),
            ("cudaErrorInsufficientDriver", 35, "enum cudaError", None), ("cudaErrorNoDevice", 100, "enum cudaError", None)],
)

CUBLAS_MARK = "cuBLAS prototype from NVIDIA's cuBLAS documentation; cublas_api.h is not installed here"
CUBLAS = dict(
    pkg="io.spikert.ffm.cublas", cls="Cublas", lib="CUBLAS", unchecked=CUBLAS_MARK,
    doc="cuBLAS ({@code libcublas.so.13}/{@code .12}): handle, stream, math mode and the GEMMs the runtime uses. Prototypes and {@code CUBLAS_*} values follow NVIDIA's documentation and are not checked against {@code cublas_api.h} (absent here); the {@code CUDA_R_*} data types are checked against {@code library_types.h}.",
    protos="""
cublasStatus_t cublasCreate_v2(cublasHandle_t *handle);
cublasStatus_t cublasDestroy_v2(cublasHandle_t handle);
cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId);
cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode);
const char* cublasGetStatusString(cublasStatus_t status);
cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const float *alpha, const float *A, int lda, const float *B, int ldb, const float *beta, float *C, int ldc);
cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, const void *B, cudaDataType Btype, int ldb, const void *beta, void *C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo);
cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda, long long int strideA, const void *B, cudaDataType Btype, int ldb, long long int strideB, const void *beta, void *C, cudaDataType Ctype, int ldc, long long int strideC, int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo);
""",
    consts=[(n, v, "enum cudaDataType_t", None) for n, v in [
        ("CUDA_R_32F", 0), ("CUDA_R_64F", 1), ("CUDA_R_16F", 2), ("CUDA_R_8I", 3), ("CUDA_R_32I", 10), ("CUDA_R_16BF", 14)]]
    + [(n, v, "enum cublasStatus_t", CUBLAS_MARK) for n, v in [
        ("CUBLAS_STATUS_SUCCESS", 0), ("CUBLAS_STATUS_NOT_INITIALIZED", 1), ("CUBLAS_STATUS_ALLOC_FAILED", 3),
        ("CUBLAS_STATUS_INVALID_VALUE", 7), ("CUBLAS_STATUS_ARCH_MISMATCH", 8), ("CUBLAS_STATUS_MAPPING_ERROR", 11),
        ("CUBLAS_STATUS_EXECUTION_FAILED", 13), ("CUBLAS_STATUS_INTERNAL_ERROR", 14),
        ("CUBLAS_STATUS_NOT_SUPPORTED", 15), ("CUBLAS_STATUS_LICENSE_ERROR", 16)]]
    + [(n, v, "enum cublasOperation_t", CUBLAS_MARK) for n, v in [("CUBLAS_OP_N", 0), ("CUBLAS_OP_T", 1)]]
    + [(n, v, "enum cublasMath_t", CUBLAS_MARK) for n, v in [
        ("CUBLAS_DEFAULT_MATH", 0), ("CUBLAS_TENSOR_OP_MATH", 1), ("CUBLAS_PEDANTIC_MATH", 2),
        ("CUBLAS_TF32_TENSOR_OP_MATH", 3)]]
    + [(n, v, "enum cublasComputeType_t", CUBLAS_MARK) for n, v in [
        ("CUBLAS_COMPUTE_32F", 68), ("CUBLAS_COMPUTE_32F_PEDANTIC", 69), ("CUBLAS_COMPUTE_32F_FAST_16BF", 75),
        ("CUBLAS_COMPUTE_32F_FAST_TF32", 77)]]
    + [(n, v, "enum cublasGemmAlgo_t", CUBLAS_MARK) for n, v in [
        ("CUBLAS_GEMM_DEFAULT", -1), ("CUBLAS_GEMM_DEFAULT_TENSOR_OP", 99)]],
)

NVRTC_MARK = "NVRTC prototype from NVIDIA's NVRTC documentation; nvrtc.h is not installed here"
NVRTC = dict(
    pkg="io.spikert.ffm.nvrtc", cls="Nvrtc", lib="NVRTC", unchecked=NVRTC_MARK,
    doc="NVRTC ({@code libnvrtc.so.13}/{@code .12}), optional run-time compilation of CUDA C to PTX or cubin. Not checked against {@code nvrtc.h} (absent here).",
    protos="""
const char* nvrtcGetErrorString(nvrtcResult result);
nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src, const char *name, int numHeaders, const char * const *headers, const char * const *includeNames);
nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog);
nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char * const *options);
nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t *ptxSizeRet);
nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx);
nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, size_t *cubinSizeRet);
nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, char *cubin);
nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t *logSizeRet);
nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log);
""",
    consts=[(n, v, "enum nvrtcResult", NVRTC_MARK) for n, v in [
        ("NVRTC_SUCCESS", 0), ("NVRTC_ERROR_OUT_OF_MEMORY", 1), ("NVRTC_ERROR_PROGRAM_CREATION_FAILURE", 2),
        ("NVRTC_ERROR_INVALID_INPUT", 3), ("NVRTC_ERROR_INVALID_PROGRAM", 4), ("NVRTC_ERROR_INVALID_OPTION", 5),
        ("NVRTC_ERROR_COMPILATION", 6)]],
)

MACA_MARK = "MetaX MACA prototype as used in MetaX's published samples and adapters; not checked against a header"
MACA_RUNTIME = dict(
    pkg="io.spikert.ffm.maca", cls="McRuntime", lib="MACA_RUNTIME", unchecked=MACA_MARK,
    doc="MetaX MACA runtime ({@code libmcruntime.so}): memory, streams, events, modules and launches under their {@code mc*} names. Every signature and value here is unchecked: no MetaX header was available.",
    protos="""
const char* mcGetErrorString(mcError_t error);
const char* mcGetErrorName(mcError_t error);
mcError_t mcGetDeviceCount(int *count);
mcError_t mcSetDevice(int deviceId);
mcError_t mcDeviceSynchronize(void);
mcError_t mcMemGetInfo(size_t *free, size_t *total);
mcError_t mcDevicePrimaryCtxRetain(mcCtx_t *pctx, mcDevice_t dev);
mcError_t mcCtxSetCurrent(mcCtx_t ctx);
mcError_t mcMalloc(void **ptr, size_t size);
mcError_t mcFree(void *ptr);
mcError_t mcMallocHost(void **ptr, size_t size, unsigned int flags);
mcError_t mcFreeHost(void *ptr);
mcError_t mcMemcpy(void *dst, const void *src, size_t sizeBytes, mcMemcpyKind kind);
mcError_t mcMemcpyAsync(void *dst, const void *src, size_t sizeBytes, mcMemcpyKind kind, mcStream_t stream);
mcError_t mcMemset(void *devPtr, int value, size_t sizeBytes);
mcError_t mcStreamCreate(mcStream_t *stream);
mcError_t mcStreamSynchronize(mcStream_t stream);
mcError_t mcStreamDestroy(mcStream_t stream);
mcError_t mcEventCreate(mcEvent_t *event);
mcError_t mcEventRecord(mcEvent_t event, mcStream_t stream);
mcError_t mcEventSynchronize(mcEvent_t event);
mcError_t mcEventElapsedTime(float *ms, mcEvent_t start, mcEvent_t stop);
mcError_t mcEventDestroy(mcEvent_t event);
mcError_t mcModuleLoadData(mcModule_t *module, const void *image);
mcError_t mcModuleGetFunction(mcFunction_t *function, mcModule_t module, const char *kname);
mcError_t mcModuleUnload(mcModule_t module);
mcError_t mcModuleLaunchKernel(mcFunction_t f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ, unsigned int sharedMemBytes, mcStream_t stream, void **kernelParams, void **extra);
""",
    consts=[(n, v, "enum mcError_t", MACA_MARK) for n, v in [("mcSuccess", 0)]]
    + [(n, v, "enum mcMemcpyKind", MACA_MARK) for n, v in [
        ("mcMemcpyHostToHost", 0), ("mcMemcpyHostToDevice", 1), ("mcMemcpyDeviceToHost", 2),
        ("mcMemcpyDeviceToDevice", 3), ("mcMemcpyDefault", 4)]],
)

MCBLAS = dict(
    pkg="io.spikert.ffm.maca", cls="McBlas", lib="MACA_BLAS", unchecked=MACA_MARK,
    doc="MetaX mcBLAS ({@code libmcblas.so}), names without {@code _v2}. Every signature and value here is unchecked: no MetaX header was available, and the enum values are assumed to mirror cuBLAS's.",
    protos="""
mcblasStatus_t mcblasCreate(mcblasHandle_t *handle);
mcblasStatus_t mcblasDestroy(mcblasHandle_t handle);
mcblasStatus_t mcblasSetStream(mcblasHandle_t handle, mcStream_t streamId);
mcblasStatus_t mcblasGemmEx(mcblasHandle_t handle, mcblasOperation_t transa, mcblasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, macaDataType Atype, int lda, const void *B, macaDataType Btype, int ldb, const void *beta, void *C, macaDataType Ctype, int ldc, mcblasComputeType_t computeType, mcblasGemmAlgo_t algo);
mcblasStatus_t mcblasGemmStridedBatchedEx(mcblasHandle_t handle, mcblasOperation_t transa, mcblasOperation_t transb, int m, int n, int k, const void *alpha, const void *A, macaDataType Atype, int lda, long long int strideA, const void *B, macaDataType Btype, int ldb, long long int strideB, const void *beta, void *C, macaDataType Ctype, int ldc, long long int strideC, int batchCount, mcblasComputeType_t computeType, mcblasGemmAlgo_t algo);
""",
    consts=[(n, v, "enum", MACA_MARK) for n, v in [
        ("MCBLAS_STATUS_SUCCESS", 0), ("MCBLAS_OP_N", 0), ("MCBLAS_OP_T", 1),
        ("MACA_R_32F", 0), ("MACA_R_16F", 2), ("MACA_R_8I", 3), ("MACA_R_32I", 10), ("MACA_R_16BF", 14),
        ("MCBLAS_COMPUTE_32F", 68), ("MCBLAS_GEMM_DEFAULT", -1)]],
)


ONEDNN = dict(
    pkg="io.spikert.ffm.onednn", cls="OneDnn", lib="ONEDNN", unchecked=None,
    doc="oneDNN ({@code libdnnl.so.3}/{@code .2}): its version and CPU ISA, the BLAS-like row-major GEMMs (FP32, and u8 or s8 times s8 into s32), and the oneDNN 3.x primitive API a matmul needs (engine, stream, memory descriptors and objects, matmul and reorder primitives). Prototypes and values as in oneDNN 3.13's {@code dnnl.h}, {@code dnnl_types.h} and {@code dnnl_common_types.h}; OneDnnHeaderCheckTest checks them against the headers the Maven Central carrier jar ships.",
    protos="""
const dnnl_version_t* dnnl_version(void);
dnnl_cpu_isa_t dnnl_get_effective_cpu_isa(void);
dnnl_status_t dnnl_sgemm(char transa, char transb, dnnl_dim_t M, dnnl_dim_t N, dnnl_dim_t K, float alpha, const float *A, dnnl_dim_t lda, const float *B, dnnl_dim_t ldb, float beta, float *C, dnnl_dim_t ldc);
dnnl_status_t dnnl_gemm_u8s8s32(char transa, char transb, char offsetc, dnnl_dim_t M, dnnl_dim_t N, dnnl_dim_t K, float alpha, const uint8_t *A, dnnl_dim_t lda, uint8_t ao, const int8_t *B, dnnl_dim_t ldb, int8_t bo, float beta, int32_t *C, dnnl_dim_t ldc, const int32_t *co);
dnnl_status_t dnnl_gemm_s8s8s32(char transa, char transb, char offsetc, dnnl_dim_t M, dnnl_dim_t N, dnnl_dim_t K, float alpha, const int8_t *A, dnnl_dim_t lda, int8_t ao, const int8_t *B, dnnl_dim_t ldb, int8_t bo, float beta, int32_t *C, dnnl_dim_t ldc, const int32_t *co);
dnnl_status_t dnnl_engine_create(dnnl_engine_t *engine, dnnl_engine_kind_t kind, size_t index);
dnnl_status_t dnnl_engine_destroy(dnnl_engine_t engine);
dnnl_status_t dnnl_stream_create(dnnl_stream_t *stream, dnnl_engine_t engine, unsigned flags);
dnnl_status_t dnnl_stream_wait(dnnl_stream_t stream);
dnnl_status_t dnnl_stream_destroy(dnnl_stream_t stream);
dnnl_status_t dnnl_memory_desc_create_with_strides(dnnl_memory_desc_t *memory_desc, int ndims, const dnnl_dims_t dims, dnnl_data_type_t data_type, const dnnl_dims_t strides);
dnnl_status_t dnnl_memory_desc_destroy(dnnl_memory_desc_t memory_desc);
size_t dnnl_memory_desc_get_size(const_dnnl_memory_desc_t memory_desc);
int dnnl_memory_desc_equal(const_dnnl_memory_desc_t lhs, const_dnnl_memory_desc_t rhs);
dnnl_status_t dnnl_primitive_attr_create(dnnl_primitive_attr_t *attr);
dnnl_status_t dnnl_primitive_attr_destroy(dnnl_primitive_attr_t attr);
dnnl_status_t dnnl_primitive_attr_set_scratchpad_mode(dnnl_primitive_attr_t attr, dnnl_scratchpad_mode_t mode);
dnnl_status_t dnnl_matmul_primitive_desc_create(dnnl_primitive_desc_t *primitive_desc, dnnl_engine_t engine, const_dnnl_memory_desc_t src_desc, const_dnnl_memory_desc_t weights_desc, const_dnnl_memory_desc_t bias_desc, const_dnnl_memory_desc_t dst_desc, const_dnnl_primitive_attr_t attr);
dnnl_status_t dnnl_reorder_primitive_desc_create(dnnl_primitive_desc_t *reorder_primitive_desc, const_dnnl_memory_desc_t src_desc, dnnl_engine_t src_engine, const_dnnl_memory_desc_t dst_desc, dnnl_engine_t dst_engine, const_dnnl_primitive_attr_t attr);
const_dnnl_memory_desc_t dnnl_primitive_desc_query_md(const_dnnl_primitive_desc_t primitive_desc, dnnl_query_t what, int index);
dnnl_status_t dnnl_primitive_desc_query(const_dnnl_primitive_desc_t primitive_desc, dnnl_query_t what, int index, void *result);
dnnl_status_t dnnl_primitive_desc_destroy(dnnl_primitive_desc_t primitive_desc);
dnnl_status_t dnnl_primitive_create(dnnl_primitive_t *primitive, const_dnnl_primitive_desc_t primitive_desc);
dnnl_status_t dnnl_primitive_execute(const_dnnl_primitive_t primitive, dnnl_stream_t stream, int nargs, const dnnl_exec_arg_t *args);
dnnl_status_t dnnl_primitive_destroy(dnnl_primitive_t primitive);
dnnl_status_t dnnl_memory_create(dnnl_memory_t *memory, const_dnnl_memory_desc_t memory_desc, dnnl_engine_t engine, void *handle);
dnnl_status_t dnnl_memory_set_data_handle(dnnl_memory_t memory, void *handle);
dnnl_status_t dnnl_memory_destroy(dnnl_memory_t memory);
""",
    consts=[(n, v, t, None) for n, v, t in [
        ("dnnl_success", 0, "enum dnnl_status_t"), ("dnnl_out_of_memory", 1, "enum dnnl_status_t"),
        ("dnnl_invalid_arguments", 2, "enum dnnl_status_t"), ("dnnl_unimplemented", 3, "enum dnnl_status_t"),
        ("dnnl_last_impl_reached", 4, "enum dnnl_status_t"), ("dnnl_runtime_error", 5, "enum dnnl_status_t"),
        ("dnnl_not_required", 6, "enum dnnl_status_t"),
        ("dnnl_cpu", 1, "enum dnnl_engine_kind_t"),
        ("dnnl_stream_in_order", 1, "enum dnnl_stream_flags_t"),
        ("dnnl_bf16", 2, "enum dnnl_data_type_t"), ("dnnl_f32", 3, "enum dnnl_data_type_t"),
        ("dnnl_s32", 4, "enum dnnl_data_type_t"), ("dnnl_s8", 5, "enum dnnl_data_type_t"),
        ("dnnl_u8", 6, "enum dnnl_data_type_t"),
        ("dnnl_query_impl_info_str", 8, "enum dnnl_query_t"),
        ("dnnl_query_src_md", 129, "enum dnnl_query_t"), ("dnnl_query_weights_md", 131, "enum dnnl_query_t"),
        ("dnnl_query_dst_md", 133, "enum dnnl_query_t"), ("dnnl_query_scratchpad_md", 136, "enum dnnl_query_t"),
        ("dnnl_scratchpad_mode_library", 0, "enum dnnl_scratchpad_mode_t"),
        ("dnnl_scratchpad_mode_user", 1, "enum dnnl_scratchpad_mode_t"),
        ("DNNL_ARG_SRC", 1, "int"), ("DNNL_ARG_DST", 17, "int"), ("DNNL_ARG_WEIGHTS", 33, "int"),
        ("DNNL_ARG_SCRATCHPAD", 80, "int")]],
)


def write(spec, out_root):
    cls = spec["cls"]
    imports = "\nimport io.spikert.ffm.LibraryLoader;\nimport io.spikert.ffm.NativeLibrary;\n"
    if spec["unchecked"]:
        imports += "import io.spikert.ffm.NotHeaderChecked;\n"
    classmark = ('@NotHeaderChecked("%s")\n' % spec["unchecked"]) if spec["unchecked"] else ""
    text = HEADER.format(pkg=spec["pkg"], cls=cls, lib=spec["lib"], doc=spec["doc"],
                         imports=imports, classmark=classmark)
    for line in spec["protos"].strip().splitlines():
        text += fn_code(cls, line, spec["unchecked"])
    for name, value, ctype, mark in spec["consts"]:
        text += const_code(name, value, ctype, mark)
    text += "}\n"
    path = os.path.join(out_root, *spec["pkg"].split("."), cls + ".java")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    print("wrote", os.path.relpath(path, ROOT))


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "ffm-bindings/src/generated/java")
    for spec in (CUDA_DRIVER, CUDA_RUNTIME, CUBLAS, NVRTC, MACA_RUNTIME, MCBLAS, ONEDNN):
        write(spec, out)
