package io.spikert.ffm.onednn;

import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.NativeLibrary;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * oneDNN's BLAS-like GEMMs over native memory, row-major as oneDNN defines them:
 * {@code C = alpha * op(A) op(B) + beta * C} with op(A) [M, K], op(B) [K, N], C [M, N]. The hand-written
 * side of {@link OneDnn} (the generated binding): it finds the library ({@link LibraryLoader}, which also
 * tries the copy a jar on the class path carries), refuses one older than 2.0 or missing a symbol, naming
 * the file, and turns a failing status into a {@link OneDnnException} naming the call and its sizes.
 *
 * <p>Threads: oneDNN's OpenMP builds (Debian's and the Maven Central carrier's) use as many threads as the
 * OpenMP runtime gives them; {@link #setThreads} sets that ({@code omp_set_num_threads} of the runtime the
 * library loaded), so the library's threads and SpikeRT's compute pool need not oversubscribe the cores; and
 * before the library first loads, {@link OpenMpWaitPolicy} asks OpenMP's threads to sleep between calls rather
 * than spin on the cores the compute pool is about to use.
 */
public final class OneDnnGemm {
    /** dnnl_status_t success. */
    private static final int SUCCESS = 0;

    private final String source;
    private final int major;
    private final int minor;
    private final int patch;
    private final String hash;
    private final MethodHandle ompSetNumThreads;
    private final java.lang.foreign.SymbolLookup symbols;

    private OneDnnGemm(String source, int major, int minor, int patch, String hash, MethodHandle ompSetNumThreads,
                       java.lang.foreign.SymbolLookup symbols) {
        this.symbols = symbols;
        this.source = source;
        this.major = major;
        this.minor = minor;
        this.patch = patch;
        this.hash = hash;
        this.ompSetNumThreads = ompSetNumThreads;
    }

    /**
     * Finds and checks the library.
     *
     * @throws io.spikert.ffm.NativeLibraryNotFoundException listing every place tried, when none is found
     * @throws OneDnnException                               for a library older than 2.0 or missing a GEMM
     */
    public static OneDnnGemm open() {
        if (LibraryLoader.bound(NativeLibrary.ONEDNN) == null) {
            OpenMpWaitPolicy.preferPassive(); // before the OpenMP runtime loads with the library
        }
        LibraryLoader.Loaded loaded = LibraryLoader.require(NativeLibrary.ONEDNN);
        // Every symbol is looked up before the first call: a generated holder class whose symbol is missing
        // fails its initialisation for the rest of the process.
        for (String symbol : new String[] {"dnnl_version", "dnnl_get_effective_cpu_isa", "dnnl_sgemm", "dnnl_gemm_u8s8s32",
                "dnnl_gemm_s8s8s32"}) {
            if (loaded.lookup().find(symbol).isEmpty()) {
                throw new OneDnnException(loaded.source() + " is not a oneDNN library SpikeRT can use: it has no " + symbol
                        + " (SpikeRT needs oneDNN 2.0 or newer)");
            }
        }
        MemorySegment v = OneDnn.dnnl_version().reinterpret(32);
        int major = v.get(ValueLayout.JAVA_INT, 0);
        int minor = v.get(ValueLayout.JAVA_INT, 4);
        int patch = v.get(ValueLayout.JAVA_INT, 8);
        MemorySegment hashPtr = v.get(ValueLayout.ADDRESS, 16);
        String hash = hashPtr.equals(MemorySegment.NULL) ? "" : hashPtr.reinterpret(256).getString(0);
        if (major < 2) {
            throw new OneDnnException(loaded.source() + " is oneDNN " + major + "." + minor + "." + patch
                    + "; SpikeRT binds the API of oneDNN 2.0 and newer (Debian's libdnnl2, or 3.x)");
        }
        MethodHandle omp = loaded.lookup().find("omp_set_num_threads")
                .map(a -> Linker.nativeLinker().downcallHandle(a, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)))
                .orElse(null);
        return new OneDnnGemm(loaded.source(), major, minor, patch, hash, omp, loaded.lookup());
    }

    /** Whether the library exports {@code symbol}. */
    public boolean has(String symbol) {
        return symbols.find(symbol).isPresent();
    }

    /** Where the library came from (a file, or "... (system loader)"). */
    public String source() {
        return source;
    }

    /** "3.13.0", say. */
    public String version() {
        return major + "." + minor + "." + patch;
    }

    /** The library's source commit, as it reports it. */
    public String hash() {
        return hash;
    }

    /** The instruction set oneDNN dispatches to here (its {@code dnnl_cpu_isa_t} value: a bit set of ISA features). */
    public int effectiveCpuIsa() {
        return OneDnn.dnnl_get_effective_cpu_isa();
    }

    /** {@code dnnl_cpu_isa_avx2_vnni} and {@code dnnl_cpu_isa_avx512_core_vnni}: bit sets, each its base ISA's bits and a VNNI bit. */
    private static final int AVX2_VNNI = 0xf, AVX512_CORE_VNNI = 0x67;

    /**
     * Whether the instruction set oneDNN dispatches to has an INT8 dot product (AVX-VNNI, AVX-512 VNNI, or a later
     * set holding one). Without it oneDNN's INT8 kernels add pairs of u8 x s8 products in 16 bits with saturation
     * ({@code vpmaddubsw}), so their sums are exact only while every pair stays within 32767.
     */
    public boolean hasInt8DotProduct() {
        int isa = effectiveCpuIsa();
        return (isa & AVX2_VNNI) == AVX2_VNNI || (isa & AVX512_CORE_VNNI) == AVX512_CORE_VNNI;
    }

    /** Sets the OpenMP threads the library's calls use; false when it does not run on OpenMP. */
    public boolean setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (ompSetNumThreads == null) {
            return false;
        }
        try {
            ompSetNumThreads.invokeExact(threads);
            return true;
        } catch (Throwable t) {
            throw new OneDnnException("omp_set_num_threads(" + threads + ") failed: " + t, t);
        }
    }

    /** FP32: {@code C = alpha op(A) op(B) + beta C}, op = transpose when asked. */
    public void sgemm(boolean transA, boolean transB, long m, long n, long k, float alpha, MemorySegment a, long lda,
                      MemorySegment b, long ldb, float beta, MemorySegment c, long ldc) {
        check("dnnl_sgemm", m, n, k, OneDnn.dnnl_sgemm(t(transA), t(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
    }

    /**
     * INT8: {@code C = alpha (op(A) - ao)(op(B) - bo) + beta C + co}, A signed, B signed, C int32. A fixed
     * offset {@code co} (one value) is added when {@code co} is not NULL.
     */
    public void gemmS8S8S32(boolean transA, boolean transB, long m, long n, long k, float alpha, MemorySegment a,
                            long lda, byte ao, MemorySegment b, long ldb, byte bo, float beta, MemorySegment c, long ldc,
                            MemorySegment co) {
        check("dnnl_gemm_s8s8s32", m, n, k, OneDnn.dnnl_gemm_s8s8s32(t(transA), t(transB), (byte) 'F', m, n, k, alpha,
                a, lda, ao, b, ldb, bo, beta, c, ldc, zeroIfNull(co)));
    }

    /** As {@link #gemmS8S8S32} with A unsigned (u8). */
    public void gemmU8S8S32(boolean transA, boolean transB, long m, long n, long k, float alpha, MemorySegment a,
                            long lda, byte ao, MemorySegment b, long ldb, byte bo, float beta, MemorySegment c, long ldc,
                            MemorySegment co) {
        check("dnnl_gemm_u8s8s32", m, n, k, OneDnn.dnnl_gemm_u8s8s32(t(transA), t(transB), (byte) 'F', m, n, k, alpha,
                a, lda, ao, b, ldb, bo, beta, c, ldc, zeroIfNull(co)));
    }

    /** oneDNN reads one int32 through co even when it adds nothing; a zero stands in for NULL. */
    private static final MemorySegment ZERO = java.lang.foreign.Arena.global().allocate(ValueLayout.JAVA_INT);

    private static MemorySegment zeroIfNull(MemorySegment co) {
        return co == null || co.equals(MemorySegment.NULL) ? ZERO : co;
    }

    private static byte t(boolean transpose) {
        return (byte) (transpose ? 'T' : 'N');
    }

    private void check(String call, long m, long n, long k, int status) {
        if (status != SUCCESS) {
            throw new OneDnnException(call + " (M " + m + ", N " + n + ", K " + k + ") failed in " + source + ": "
                    + statusName(status));
        }
    }

    static String statusName(int status) {
        return switch (status) {
            case 1 -> "dnnl_out_of_memory (1)";
            case 2 -> "dnnl_invalid_arguments (2)";
            case 3 -> "dnnl_unimplemented (3)";
            case 4 -> "dnnl_last_impl_reached (4)";
            case 5 -> "dnnl_runtime_error (5)";
            case 6 -> "dnnl_not_required (6)";
            default -> "status " + status;
        };
    }

    @Override
    public String toString() {
        return "oneDNN " + version() + " (" + source + ")";
    }
}
