package io.spikert.ffm.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One oneDNN matmul primitive for one shape: {@code dst[M, N] (f32) = src[M, K] . W[N, K]^T}, every operand
 * row-major and dense, the weight in the layout of a linear layer ({@code out x in}, what checkpoints store).
 * oneDNN picks the implementation for the CPU (AMX, AVX-512 BF16 or VNNI kernels where the CPU has them) and
 * packs the weight itself as it goes, so the caller's weight is read where it lies: no copy is kept.
 *
 * <p>Built on the oneDNN 3.x primitive API (engine, stream, memory descriptors, memory objects): a
 * 2.x library has no {@code dnnl_memory_desc_create_with_strides} and {@link OneDnnEngine#open} refuses it.
 * {@link #execute} may be called from any thread, one call at a time per primitive (it is synchronized: the
 * primitive's memory objects hold the operands' addresses between setting them and running).
 */
public final class OneDnnMatmul implements AutoCloseable {
    /** Operand element types, with their {@code dnnl_data_type_t} values. */
    public enum DataType {
        F32(OneDnn.dnnl_f32(), 4),
        BF16(OneDnn.dnnl_bf16(), 2);

        final int code;
        final int bytes;

        DataType(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    /** dnnl_exec_arg_t: {int arg; dnnl_memory_t memory;}. */
    private static final StructLayout EXEC_ARG = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("arg"), MemoryLayout.paddingLayout(4), ValueLayout.ADDRESS.withName("memory"));

    private final OneDnnEngine engine;
    private final long m;
    private final long n;
    private final long k;
    private final DataType srcType;
    private final DataType weightType;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment primitive;
    private final MemorySegment srcMemory;
    private final MemorySegment weightMemory;
    private final MemorySegment dstMemory;
    private final MemorySegment args;
    private final String implementation;
    private boolean closed;

    private OneDnnMatmul(OneDnnEngine engine, long m, long n, long k, DataType srcType, DataType weightType,
                         List<MemorySegment> made) {
        this.engine = engine;
        this.m = m;
        this.n = n;
        this.k = k;
        this.srcType = srcType;
        this.weightType = weightType;
        MemorySegment src = descriptor(made, new long[] {m, k}, srcType, new long[] {k, 1});
        // W[N, K] row-major is the [K, N] matrix with strides (1, K).
        MemorySegment weights = descriptor(made, new long[] {k, n}, weightType, new long[] {1, k});
        MemorySegment dst = descriptor(made, new long[] {m, n}, DataType.F32, new long[] {n, 1});
        MemorySegment pdOut = arena.allocate(ValueLayout.ADDRESS);
        check("dnnl_matmul_primitive_desc_create", OneDnn.dnnl_matmul_primitive_desc_create(pdOut, engine.engine(),
                src, weights, MemorySegment.NULL, dst, MemorySegment.NULL));
        MemorySegment pd = pdOut.get(ValueLayout.ADDRESS, 0);
        try {
            MemorySegment info = arena.allocate(ValueLayout.ADDRESS);
            implementation = OneDnn.dnnl_primitive_desc_query(pd, OneDnn.dnnl_query_impl_info_str(), 0, info) == 0
                    ? info.get(ValueLayout.ADDRESS, 0).reinterpret(256).getString(0) : "unknown";
            MemorySegment primOut = arena.allocate(ValueLayout.ADDRESS);
            check("dnnl_primitive_create", OneDnn.dnnl_primitive_create(primOut, pd));
            primitive = primOut.get(ValueLayout.ADDRESS, 0);
        } finally {
            OneDnn.dnnl_primitive_desc_destroy(pd);
        }
        srcMemory = memory(src);
        weightMemory = memory(weights);
        dstMemory = memory(dst);
        args = arena.allocate(EXEC_ARG, 3);
        setArg(0, OneDnn.DNNL_ARG_SRC(), srcMemory);
        setArg(1, OneDnn.DNNL_ARG_WEIGHTS(), weightMemory);
        setArg(2, OneDnn.DNNL_ARG_DST(), dstMemory);
    }

    /**
     * Creates the primitive for this shape and these types on {@code engine}.
     *
     * @throws OneDnnException naming the shape when oneDNN has no implementation for it (dnnl_unimplemented,
     *                         say BF16 on a CPU without AVX-512) or fails otherwise
     */
    public static OneDnnMatmul create(OneDnnEngine engine, long m, long n, long k, DataType srcType, DataType weightType) {
        if (m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("matmul sizes must be positive, got M " + m + ", N " + n + ", K " + k);
        }
        engine.checkOpen();
        List<MemorySegment> descriptors = new ArrayList<>();
        OneDnnMatmul made = null;
        try {
            made = new OneDnnMatmul(engine, m, n, k, srcType, weightType, descriptors);
            return made;
        } catch (OneDnnException e) {
            throw new OneDnnException("oneDNN matmul " + srcType + " x " + weightType + " (M " + m + ", N " + n + ", K " + k
                    + "): " + e.getMessage(), e);
        } finally {
            for (MemorySegment d : descriptors) {
                OneDnn.dnnl_memory_desc_destroy(d);
            }
        }
    }

    /** The implementation oneDNN chose, as it names it ("brg_matmul:avx512_core_amx", say). */
    public String implementation() {
        return implementation;
    }

    public long m() {
        return m;
    }

    public long n() {
        return n;
    }

    public long k() {
        return k;
    }

    public DataType srcType() {
        return srcType;
    }

    public DataType weightType() {
        return weightType;
    }

    /**
     * Runs {@code dst = src . weights^T} and waits for it. Each segment must hold its whole operand (checked):
     * {@code src} M x K of the source type, {@code weights} N x K of the weight type, {@code dst} M x N floats.
     * Native segments only (oneDNN reads through their addresses).
     */
    public synchronized void execute(MemorySegment src, MemorySegment weights, MemorySegment dst) {
        if (closed) {
            throw new IllegalStateException("oneDNN matmul (M " + m + ", N " + n + ", K " + k + ") is closed");
        }
        requireSize("src", src, m * k * srcType.bytes);
        requireSize("weights", weights, n * k * weightType.bytes);
        requireSize("dst", dst, m * n * 4L);
        check("dnnl_memory_set_data_handle", OneDnn.dnnl_memory_set_data_handle(srcMemory, src));
        check("dnnl_memory_set_data_handle", OneDnn.dnnl_memory_set_data_handle(weightMemory, weights));
        check("dnnl_memory_set_data_handle", OneDnn.dnnl_memory_set_data_handle(dstMemory, dst));
        engine.execute(primitive, args, 3);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        OneDnn.dnnl_memory_destroy(srcMemory);
        OneDnn.dnnl_memory_destroy(weightMemory);
        OneDnn.dnnl_memory_destroy(dstMemory);
        OneDnn.dnnl_primitive_destroy(primitive);
        arena.close();
    }

    private void requireSize(String what, MemorySegment s, long bytes) {
        if (!s.isNative()) {
            throw new IllegalArgumentException(what + " must be native memory");
        }
        if (s.byteSize() < bytes) {
            throw new IllegalArgumentException(what + " holds " + s.byteSize() + " bytes, the matmul (M " + m + ", N " + n
                    + ", K " + k + ") reads or writes " + bytes);
        }
    }

    private MemorySegment descriptor(List<MemorySegment> made, long[] dims, DataType type, long[] strides) {
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        check("dnnl_memory_desc_create_with_strides", OneDnn.dnnl_memory_desc_create_with_strides(out, dims.length,
                arena.allocateFrom(ValueLayout.JAVA_LONG, dims), type.code, arena.allocateFrom(ValueLayout.JAVA_LONG, strides)));
        MemorySegment d = out.get(ValueLayout.ADDRESS, 0);
        made.add(d);
        return d;
    }

    private MemorySegment memory(MemorySegment descriptor) {
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        check("dnnl_memory_create", OneDnn.dnnl_memory_create(out, descriptor, engine.engine(), MemorySegment.NULL));
        return out.get(ValueLayout.ADDRESS, 0);
    }

    private void setArg(int i, int arg, MemorySegment memory) {
        MemorySegment slot = args.asSlice(i * EXEC_ARG.byteSize(), EXEC_ARG);
        slot.set(ValueLayout.JAVA_INT, 0, arg);
        slot.set(ValueLayout.ADDRESS, 8, memory);
    }

    static void check(String call, int status) {
        if (status != 0) {
            throw new OneDnnException(call + " failed: " + OneDnnGemm.statusName(status));
        }
    }

    @Override
    public String toString() {
        return "oneDNN matmul " + srcType + " x " + weightType + " (M " + m + ", N " + n + ", K " + k + ", " + implementation + ")";
    }
}
