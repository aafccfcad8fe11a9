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
 * row-major and dense, the weight in the layout of a linear layer ({@code out x in}, what checkpoints store); or,
 * more generally, {@code dst = src . weights} over 2-D or batched 3-D operands of any strides and types oneDNN
 * accepts (s8 x s8 -> s32 group sums, say).
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
        BF16(OneDnn.dnnl_bf16(), 2),
        S8(OneDnn.dnnl_s8(), 1),
        U8(OneDnn.dnnl_u8(), 1),
        S32(OneDnn.dnnl_s32(), 4);

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

    /**
     * One operand: its logical dims (2-D {@code [rows, cols]}, or 3-D {@code [batch, rows, cols]}), the element
     * stride of each dim, and its type. {@link #bytes} is the span an address must cover: the offset of the last
     * element plus one element.
     */
    public record Operand(long[] dims, long[] strides, DataType type) {
        public Operand {
            dims = dims.clone();
            strides = strides.clone();
            if (dims.length < 2 || dims.length > 3 || strides.length != dims.length) {
                throw new IllegalArgumentException("a matmul operand has 2 or 3 dims with one stride each, got "
                        + java.util.Arrays.toString(dims) + " / " + java.util.Arrays.toString(strides));
            }
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] < 1 || strides[i] < 1) {
                    throw new IllegalArgumentException("matmul operand dims and strides must be positive, got "
                            + java.util.Arrays.toString(dims) + " / " + java.util.Arrays.toString(strides));
                }
            }
        }

        /** A dense row-major {@code [rows, cols]} operand. */
        public static Operand rowMajor(long rows, long cols, DataType type) {
            return new Operand(new long[] {rows, cols}, new long[] {cols, 1}, type);
        }

        long bytes() {
            long last = 0;
            for (int i = 0; i < dims.length; i++) {
                last = Math.addExact(last, Math.multiplyExact(dims[i] - 1, strides[i]));
            }
            return Math.multiplyExact(last + 1, type.bytes);
        }

        @Override
        public String toString() {
            return type + java.util.Arrays.toString(dims);
        }
    }

    /** dnnl_exec_arg_t: {int arg; dnnl_memory_t memory;}. */
    private static final StructLayout EXEC_ARG = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("arg"), MemoryLayout.paddingLayout(4), ValueLayout.ADDRESS.withName("memory"));

    private final OneDnnEngine engine;
    private final Operand src;
    private final Operand weights;
    private final Operand dst;
    private final String shape;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment primitive;
    private final MemorySegment srcMemory;
    private final MemorySegment weightMemory;
    private final MemorySegment dstMemory;
    private final MemorySegment args;
    private final String implementation;
    private boolean closed;

    private OneDnnMatmul(OneDnnEngine engine, Operand src, Operand weights, Operand dst, List<MemorySegment> made) {
        this.engine = engine;
        this.src = src;
        this.weights = weights;
        this.dst = dst;
        this.shape = src + " x " + weights + " -> " + dst;
        // everything made before a failure is destroyed again: a refused shape leaves nothing behind
        MemorySegment prim = MemorySegment.NULL;
        List<MemorySegment> memories = new ArrayList<>();
        try {
            MemorySegment srcDesc = descriptor(made, src);
            MemorySegment weightDesc = descriptor(made, weights);
            MemorySegment dstDesc = descriptor(made, dst);
            MemorySegment pdOut = arena.allocate(ValueLayout.ADDRESS);
            check("dnnl_matmul_primitive_desc_create", OneDnn.dnnl_matmul_primitive_desc_create(pdOut, engine.engine(),
                    srcDesc, weightDesc, MemorySegment.NULL, dstDesc, MemorySegment.NULL));
            MemorySegment pd = pdOut.get(ValueLayout.ADDRESS, 0);
            try {
                MemorySegment info = arena.allocate(ValueLayout.ADDRESS);
                implementation = OneDnn.dnnl_primitive_desc_query(pd, OneDnn.dnnl_query_impl_info_str(), 0, info) == 0
                        ? info.get(ValueLayout.ADDRESS, 0).reinterpret(256).getString(0) : "unknown";
                MemorySegment primOut = arena.allocate(ValueLayout.ADDRESS);
                check("dnnl_primitive_create", OneDnn.dnnl_primitive_create(primOut, pd));
                prim = primOut.get(ValueLayout.ADDRESS, 0);
            } finally {
                OneDnn.dnnl_primitive_desc_destroy(pd);
            }
            memories.add(memory(srcDesc));
            memories.add(memory(weightDesc));
            memories.add(memory(dstDesc));
        } catch (RuntimeException | Error e) {
            memories.forEach(OneDnn::dnnl_memory_destroy);
            if (!prim.equals(MemorySegment.NULL)) {
                OneDnn.dnnl_primitive_destroy(prim);
            }
            arena.close();
            throw e;
        }
        primitive = prim;
        srcMemory = memories.get(0);
        weightMemory = memories.get(1);
        dstMemory = memories.get(2);
        args = arena.allocate(EXEC_ARG, 3);
        setArg(0, OneDnn.DNNL_ARG_SRC(), srcMemory);
        setArg(1, OneDnn.DNNL_ARG_WEIGHTS(), weightMemory);
        setArg(2, OneDnn.DNNL_ARG_DST(), dstMemory);
    }

    /**
     * The primitive for {@code dst[M, N] (f32) = src[M, K] . W[N, K]^T}, every operand dense and row-major, the
     * weight in a linear layer's layout.
     *
     * @throws OneDnnException naming the shape when oneDNN has no implementation for it (dnnl_unimplemented,
     *                         say BF16 on a CPU without AVX-512) or fails otherwise
     */
    public static OneDnnMatmul create(OneDnnEngine engine, long m, long n, long k, DataType srcType, DataType weightType) {
        if (m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("matmul sizes must be positive, got M " + m + ", N " + n + ", K " + k);
        }
        // W[N, K] row-major is the [K, N] matrix with strides (1, K).
        return create(engine, Operand.rowMajor(m, k, srcType), new Operand(new long[] {k, n}, new long[] {1, k}, weightType),
                Operand.rowMajor(m, n, DataType.F32));
    }

    /**
     * The primitive for {@code dst = src . weights} over operands of any strides: 2-D ({@code [M, K] . [K, N]}) or
     * batched 3-D ({@code [B, M, K] . [B, K, N] -> [B, M, N]}).
     *
     * @throws OneDnnException naming the operands when oneDNN refuses them
     */
    public static OneDnnMatmul create(OneDnnEngine engine, Operand src, Operand weights, Operand dst) {
        engine.checkOpen();
        List<MemorySegment> descriptors = new ArrayList<>();
        try {
            return new OneDnnMatmul(engine, src, weights, dst, descriptors);
        } catch (OneDnnException e) {
            throw new OneDnnException("oneDNN matmul " + src + " x " + weights + " -> " + dst + ": " + e.getMessage(), e);
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

    /** Rows of the product (M). */
    public long m() {
        return src.dims()[src.dims().length - 2];
    }

    /** Columns of the product (N). */
    public long n() {
        return dst.dims()[dst.dims().length - 1];
    }

    /** The inner dimension (K). */
    public long k() {
        return src.dims()[src.dims().length - 1];
    }

    public DataType srcType() {
        return src.type();
    }

    public DataType weightType() {
        return weights.type();
    }

    /**
     * Runs the product and waits for it. Each segment must cover its operand's span (checked): for the 2-D
     * {@link #create(OneDnnEngine, long, long, long, DataType, DataType)} form, {@code src} M x K of the source
     * type, {@code weights} N x K of the weight type, {@code dst} M x N floats. Native segments only (oneDNN reads
     * through their addresses).
     */
    public synchronized void execute(MemorySegment src, MemorySegment weights, MemorySegment dst) {
        if (closed) {
            throw new IllegalStateException("oneDNN matmul " + shape + " is closed");
        }
        requireSize("src", src, this.src.bytes());
        requireSize("weights", weights, this.weights.bytes());
        requireSize("dst", dst, this.dst.bytes());
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
            throw new IllegalArgumentException(what + " holds " + s.byteSize() + " bytes, the matmul " + shape
                    + " reads or writes " + bytes);
        }
    }

    private MemorySegment descriptor(List<MemorySegment> made, Operand o) {
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        check("dnnl_memory_desc_create_with_strides", OneDnn.dnnl_memory_desc_create_with_strides(out, o.dims().length,
                arena.allocateFrom(ValueLayout.JAVA_LONG, o.dims()), o.type().code,
                arena.allocateFrom(ValueLayout.JAVA_LONG, o.strides())));
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
        return "oneDNN matmul " + shape + " (" + implementation + ")";
    }
}
