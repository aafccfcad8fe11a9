package io.spikert.runtime.backend;

import io.spikert.ffm.NativeLibraryNotFoundException;
import io.spikert.ffm.onednn.OneDnnEngine;
import io.spikert.ffm.onednn.OneDnnException;
import io.spikert.ffm.onednn.OneDnnGemm;
import io.spikert.ffm.onednn.OneDnnMatmul;
import io.spikert.kernels.Bf16;
import io.spikert.kernels.spike.GroupSumProduct;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.ScaledCodeParts;
import io.spikert.runtime.ComputePool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The products {@link CpuBackend} hands to oneDNN's matmul primitive: {@code y[t] = W x[t]} over several tokens
 * for a BF16 weight {@code W [out, in]} read where it lies (oneDNN packs it as it goes; no copy is kept).
 *
 * <p>Where the CPU has a BF16 x BF16 matmul (AVX-512 BF16, AMX): at {@link io.spikert.runtime.Precision#BF16} the
 * activations are rounded to BF16 and multiplied in one pass. At FP32 each activation is split into three BF16 parts
 * whose sum is exactly the activation ({@link Bf16#storeSplit}); every part times a BF16 weight is exact in FP32, so
 * the three passes (one matmul over three times the rows) accumulate the same exact products an FP32 kernel does, in
 * FP32, in another order.
 *
 * <p>Where it has none (AVX2 without BF16 instructions) but oneDNN multiplies FP32 activations by BF16 weights
 * (its AVX2 kernel widens the weights as it packs them): one pass of FP32 activations, or of activations rounded to
 * BF16 and held in FP32 at {@link io.spikert.runtime.Precision#BF16}; the same exact products, summed in FP32 as the
 * Vector API kernels sum them, in another order. The spike and INT8-coded products then stay on the Vector API.
 *
 * <p>And W8ASpike's spiking products over several tokens ({@link #spikeProduct}): their integer group sums from one
 * batched s8 x s8 -> s32 matmul per chunk of rows, then the float steps of {@link GroupSumProduct} in the Vector API
 * kernels' order, so the result is the batched kernel's bit for bit.
 *
 * <p>And the INT8-coded products with a float input (W8ASpike's down_proj, {@link #int8FloatProduct}): the weight
 * {@code code x scale} rebuilt per slice of rows in BF16 parts, FP32-accurate but not the Vector API kernel's bits.
 *
 * <p>Threads: the calls run on the caller's thread while the compute pool waits, with oneDNN's OpenMP team set
 * to the pool's size ({@code omp_set_num_threads} before each call: it is per calling thread), so the cores are
 * never oversubscribed;
 * calls are serialised (one OpenMP team at a time). Primitives are cached per shape (a few dozen at most: the
 * model has a handful of projection shapes and chunk sizes).
 */
final class OneDnnProducts implements AutoCloseable {
    private static final int MAX_PRIMITIVES = 64;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * Most bytes of one product's output scratch (the 7B's gate and up over a 256-token chunk at FP32, 58 MB, fit);
     * a product with more output (lm_head over a whole chunk's logits) goes in slices of the weight's rows.
     */
    static final long MAX_OUTPUT_BYTES = 64L << 20;

    private final OneDnnGemm library;
    private final OneDnnEngine engine;
    private final int threads;
    private final String implementation;
    /** Whether the CPU has a BF16 x BF16 matmul; else BF16-weight products take FP32 activations. */
    private final boolean bf16Matmul;
    /** Why spike products stay on the Vector API here, or null when oneDNN's INT8 group sums are exact. */
    private final String int8Refusal;
    /** Primitives by shape (least recently used first). */
    private final Map<Shape, OneDnnMatmul> primitives = new LinkedHashMap<>(16, 0.75f, true);

    /** What a cached primitive computes. */
    private enum Kind { BF16_WEIGHT, F32_SRC_BF16_WEIGHT, GROUP_SUMS, SCALED_CODES }

    /** A cached primitive's shape: a BF16 linear product (M, N, K), a spike product's group sums, a float-input INT8 product's slice. */
    private record Shape(Kind kind, long m, long n, long k, long run) {}
    private Arena scratchArena = Arena.ofShared();
    private MemorySegment src = MemorySegment.NULL;
    private MemorySegment dst = MemorySegment.NULL;
    private MemorySegment wei = MemorySegment.NULL;
    private boolean closed;

    private OneDnnProducts(OneDnnGemm library, OneDnnEngine engine, int threads, String implementation,
                           boolean bf16Matmul, String int8Refusal) {
        this.library = library;
        this.engine = engine;
        this.threads = threads;
        this.implementation = implementation;
        this.bf16Matmul = bf16Matmul;
        this.int8Refusal = int8Refusal;
    }

    /**
     * Opens oneDNN (found by {@link io.spikert.ffm.LibraryLoader}: the {@code spikert.onednn.path} property,
     * {@code LD_LIBRARY_PATH}, the copy a jar on the class path carries, then the system folders) and checks
     * that this CPU has a BF16 matmul kernel by creating one.
     *
     * @throws Unavailable saying why not, in one line
     */
    static OneDnnProducts open(int threads) throws Unavailable {
        OneDnnGemm library;
        try {
            library = OneDnnGemm.open();
        } catch (NativeLibraryNotFoundException e) {
            throw new Unavailable("oneDNN not found (" + firstLine(e.getMessage()) + ")", e);
        } catch (OneDnnException | UnsatisfiedLinkError | IllegalArgumentException e) {
            throw new Unavailable(firstLine(e.getMessage()), e);
        }
        OneDnnEngine engine;
        try {
            engine = OneDnnEngine.open(library);
        } catch (OneDnnException e) {
            throw new Unavailable(firstLine(e.getMessage()), e);
        }
        library.setThreads(threads);
        String noBf16;
        try (OneDnnMatmul probe = OneDnnMatmul.create(engine, 16, 64, 64, OneDnnMatmul.DataType.BF16,
                OneDnnMatmul.DataType.BF16)) {
            String impl = probe.implementation();
            if (!reference(impl)) {
                return new OneDnnProducts(library, engine, threads, impl, true, int8Refusal(library, engine));
            }
            noBf16 = "has only its reference BF16 matmul on this CPU (" + impl + "): no AVX-512 BF16 or AMX";
        } catch (OneDnnException e) {
            noBf16 = "has no BF16 matmul on this CPU: " + firstLine(e.getMessage());
        }
        // no BF16 x BF16 kernel: FP32 activations times BF16 weights, where oneDNN has a kernel for that (AVX2)
        try (OneDnnMatmul probe = OneDnnMatmul.create(engine, 16, 64, 64, OneDnnMatmul.DataType.F32,
                OneDnnMatmul.DataType.BF16)) {
            String impl = probe.implementation();
            if (reference(impl)) {
                engine.close();
                throw new Unavailable(library + " " + noBf16 + ", and only its reference FP32 x BF16 matmul (" + impl
                        + "); the Vector API kernels are faster", null);
            }
            return new OneDnnProducts(library, engine, threads, impl, false, int8Refusal(library, engine));
        } catch (OneDnnException e) {
            engine.close();
            throw new Unavailable(library + " " + noBf16 + ", nor an FP32 x BF16 one: " + firstLine(e.getMessage()), e);
        }
    }

    /** Whether oneDNN named its reference (plain C++) implementation, which the Vector API kernels outrun. */
    private static boolean reference(String implementation) {
        return implementation.startsWith("ref") || implementation.contains("ref:");
    }

    /**
     * Null when oneDNN's INT8 group sums can be trusted here, else why not, in one line. Without an INT8 dot-product
     * instruction (VNNI) oneDNN's INT8 kernels add pairs of 8-bit products in 16 bits with saturation, so sums of
     * large counts and codes come out wrong; then, or when the group-sum primitive (at a prefill's shape and strides,
     * on counts and codes at the ends of the int8 range) gives any sum other than the exact one, the spike products
     * stay on the Vector API.
     */
    static String int8Refusal(OneDnnGemm library, OneDnnEngine engine) {
        String wrong;
        try {
            wrong = wrongGroupSum(engine);
        } catch (OneDnnException e) {
            return library + " has no INT8 matmul on this CPU: " + firstLine(e.getMessage());
        }
        if (!library.hasInt8DotProduct()) {
            return library + "'s INT8 kernels are not exact on this CPU (dnnl_cpu_isa 0x"
                    + Integer.toHexString(library.effectiveCpuIsa()) + ", no VNNI: pairs of 8-bit products are added in 16"
                    + " bits with saturation" + (wrong == null ? "" : "; " + wrong) + ")";
        }
        return wrong == null ? null : library + "'s INT8 matmul is not exact on this CPU (" + wrong + ")";
    }

    /**
     * Null when the group-sum primitive, at a prefill's shape and strides (two groups, 32 tokens, 64 rows), gives
     * the exact sums of counts and codes at the ends of the int8 range, else the first wrong sum.
     */
    private static String wrongGroupSum(OneDnnEngine engine) {
        int groups = 2, tokens = 32, rows = 64, k = Int8Weights.GROUP, cols = groups * k;
        byte[] counts = new byte[tokens * cols];
        byte[] codes = new byte[groups * k * rows];
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < cols; c++) {
                counts[t * cols + c] = (byte) ((t + c) % 3 == 0 ? -128 : (t * 5 + c) % 4 == 0 ? (t * 31 + c) % 256 - 128 : 127);
            }
        }
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) (i % 3 == 0 ? 127 : i % 3 == 1 ? -128 : (i * 7) % 256 - 128);
        }
        OneDnnMatmul.DataType s8 = OneDnnMatmul.DataType.S8;
        try (Arena arena = Arena.ofConfined();
             OneDnnMatmul mm = OneDnnMatmul.create(engine,
                     new OneDnnMatmul.Operand(new long[] {groups, tokens, k}, new long[] {k, cols, 1}, s8),
                     new OneDnnMatmul.Operand(new long[] {groups, k, rows}, new long[] {(long) k * rows, rows, 1}, s8),
                     new OneDnnMatmul.Operand(new long[] {groups, tokens, rows}, new long[] {(long) tokens * rows, rows, 1},
                             OneDnnMatmul.DataType.S32))) {
            MemorySegment sums = arena.allocate(4L * groups * tokens * rows);
            mm.execute(arena.allocateFrom(ValueLayout.JAVA_BYTE, counts), arena.allocateFrom(ValueLayout.JAVA_BYTE, codes),
                    sums);
            for (int g = 0; g < groups; g++) {
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < rows; r++) {
                        int exact = 0;
                        for (int c = 0; c < k; c++) {
                            exact += counts[t * cols + g * k + c] * codes[(g * k + c) * rows + r];
                        }
                        int got = sums.getAtIndex(ValueLayout.JAVA_INT, ((long) g * tokens + t) * rows + r);
                        if (got != exact) {
                            return "a group sum of " + exact + " came out " + got + " from " + mm.implementation();
                        }
                    }
                }
            }
            return null;
        }
    }

    /** Whether spike products may go to oneDNN here (its INT8 group sums are exact); see {@link #int8Refusal()}. */
    boolean exactInt8() {
        return int8Refusal == null;
    }

    /** Why spike products stay on the Vector API, or null when they need not. */
    String int8Refusal() {
        return int8Refusal;
    }

    /** Why the library cannot be used here, in one line (the backend reports it once and runs without it). */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * "oneDNN 3.13.0 (/path/libdnnl.so.3), brg_matmul:avx10_1_512_amx", with "(FP32 activations x BF16 weights)"
     * where the CPU has no BF16 x BF16 matmul.
     */
    String describe() {
        return library + ", " + implementation + (bf16Matmul ? "" : " (FP32 activations x BF16 weights: no BF16 x BF16 matmul on this CPU)");
    }

    /**
     * Whether BF16-weight products run as BF16 x BF16 matmuls (AVX-512 BF16, AMX); if not, as FP32 activations times
     * BF16 weights, and {@link #int8FloatProduct} is not available.
     */
    boolean bf16Matmul() {
        return bf16Matmul;
    }

    /**
     * {@code y[t] = W x[t]} for {@code tokens} rows of {@code in} floats from {@code x[xOff]}, written as rows of
     * {@code out} floats from {@code y[yOff]}; {@code w} holds the BF16 weight {@code [out, in]}.
     *
     * @param bf16Activations round the activations to BF16 (one pass) instead of splitting them exactly (three)
     */
    synchronized void bf16Weights(MemorySegment w, int out, int in, float[] x, int xOff, int tokens, float[] y, int yOff,
                                  boolean bf16Activations) {
        begin();
        int parts = bf16Matmul && !bf16Activations ? 3 : 1;
        long m = (long) parts * tokens;
        // the weight's rows in slices, so the output scratch stays bounded (lm_head over a whole chunk's logits
        // would otherwise need 3 x 256 x 152064 floats)
        int slice = (int) Math.min(out, Math.max(64, MAX_OUTPUT_BYTES / (4 * m) / 64 * 64));
        long n = (long) tokens * in;
        long srcBytes = bf16Matmul ? m * in * 2 : n * 4;
        ensureScratch(srcBytes, m * slice * 4);
        if (!bf16Matmul && bf16Activations) {
            for (int i = 0; i < n; i++) {
                src.setAtIndex(ValueLayout.JAVA_FLOAT, i, Bf16.round(x[xOff + i]));
            }
        } else if (!bf16Matmul) {
            MemorySegment.copy(x, xOff, src, ValueLayout.JAVA_FLOAT, 0, (int) n);
        } else if (bf16Activations) {
            Bf16.store(x, xOff, (int) n, src, 0);
        } else {
            Bf16.storeSplit(x, xOff, (int) n, src, 0, n);
        }
        MemorySegment activations = src.asSlice(0, srcBytes);
        for (int r0 = 0; r0 < out; r0 += slice) {
            int rows = Math.min(slice, out - r0);
            primitive(m, rows, in).execute(activations, w.asSlice((long) r0 * in * 2, (long) rows * in * 2),
                    dst.asSlice(0, m * rows * 4));
            for (int t = 0; t < tokens; t++) {
                long from = (long) t * rows;
                int to = yOff + t * out + r0;
                if (parts == 1) {
                    MemorySegment.copy(dst, ValueLayout.JAVA_FLOAT, from * 4, y, to, rows);
                } else {
                    sumParts(from, (long) tokens * rows, rows, y, to);
                }
            }
        }
    }

    /**
     * Rows of a float-input INT8 product's weight slice, rebuilt in BF16 parts for each product: 128 rows read two
     * cache lines of codes per column and keep the 7B's down_proj slice (three parts of 18944 columns) at 14.5 MB;
     * 32 or 64 rows made the rebuild 2-3x slower, 288 the matmuls slower (docs/PERFORMANCE.md, "CPU vendor math").
     */
    static final int WEIGHT_SLICE_ROWS = 128;
    /** Most bytes of one weight slice: a wider matrix gets fewer rows. */
    static final long MAX_WEIGHT_SLICE_BYTES = 32L << 20;

    /**
     * y[yOff + t * rows + r] for {@code tokens} tokens of floats {@code x[xOff + t * cols ..]} times an INT8-coded
     * weight with a float input ({@link io.spikert.kernels.spike.Int8MatMul#denseFloat}'s product: W8ASpike's down_proj) as
     * BF16 matmuls: the weight {@code code x scale} in BF16 parts built per slice of rows ({@link ScaledCodeParts}), the
     * activations in BF16 parts (three exact ones; one, rounded, with {@code bf16Activations}), and of the part products
     * those that can matter: activation part i with weight part j where {@code i + j < levels}. At FP32 (levels 3) the
     * three left out are each at most 2^-24 of the product, the size of FP32's own rounding of it; at BF16 (levels 2)
     * the weight's third part (at most 2^-16 of it) is below the activation's rounding. Every kept part product is exact
     * in FP32; they are summed smallest first. Not bit-identical to the Vector API kernel (which scales group sums),
     * FP32-accurate like it.
     */
    synchronized void int8FloatProduct(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff,
                                       boolean bf16Activations, ComputePool pool) {
        if (!bf16Matmul) {
            throw new IllegalStateException("INT8 products of a float input need oneDNN's BF16 matmul, which this CPU lacks");
        }
        begin();
        int rows = w.rows();
        int cols = w.cols();
        int xParts = bf16Activations ? 1 : 3;
        int levels = bf16Activations ? 2 : 3;
        int q = ScaledCodeParts.rowQuantum();
        int maxRows = (int) Math.max(q, Math.min(MAX_WEIGHT_SLICE_BYTES / (2L * levels * cols), WEIGHT_SLICE_ROWS) / q * q);
        long pairs = 0;
        for (int j = 0; j < levels; j++) {
            pairs += Math.min(xParts, levels - j);
        }
        long n = (long) tokens * cols;
        ensureScratch(2L * xParts * n, 4L * pairs * tokens * maxRows, 2L * levels * cols * maxRows);
        if (bf16Activations) {
            Bf16.store(x, xOff, (int) n, src, 0);
        } else {
            Bf16.storeSplit(x, xOff, (int) n, src, 0, n);
        }
        long[] at = new long[levels];
        for (int r0 = 0; r0 < rows; ) {
            int start = r0;
            int end = ScaledCodeParts.sliceEnd(w, r0, maxRows);
            int sliceRows = end - start;
            long partStride = (long) cols * sliceRows;
            pool.parallelFor(cols, Int8Weights.GROUP, (c0, c1) -> ScaledCodeParts.store(w, start, end, c0, c1, levels, wei,
                    partStride));
            long dstAt = 0;
            for (int j = 0; j < levels; j++) {
                long m = (long) Math.min(xParts, levels - j) * tokens;
                scaledCodes(m, sliceRows, cols).execute(src.asSlice(0, 2 * m * cols), wei.asSlice(2 * j * partStride, 2 * partStride),
                        dst.asSlice(4 * dstAt, 4 * m * sliceRows));
                at[j] = dstAt;
                dstAt += m * sliceRows;
            }
            int valid = Math.min(end, rows) - start;
            pool.parallelFor(tokens, (t0, t1) -> sumPairs(at, levels, xParts, tokens, sliceRows, valid, t0, t1, y,
                    yOff + start, rows));
            r0 = end;
        }
    }

    /**
     * y[to + t * ld + r] = the sum over the part products (i, j) of {@link #int8FloatProduct}, smallest level
     * {@code i + j} first, for tokens [t0, t1) and rows [0, valid) of a slice: product (i, j) of token t starts at float
     * {@code at[j] + (i * tokens + t) * sliceRows} of {@link #dst}.
     */
    private void sumPairs(long[] at, int levels, int xParts, int tokens, int sliceRows, int valid, int t0, int t1,
                          float[] y, int to, int ld) {
        for (int t = t0; t < t1; t++) {
            int yt = to + t * ld;
            for (int r = 0; r < valid; r += F.length()) {
                FloatVector sum = FloatVector.zero(F);
                for (int level = levels - 1; level >= 0; level--) {
                    for (int j = 0; j <= level; j++) {
                        int i = level - j;
                        if (i < xParts) {
                            long e = at[j] + ((long) i * tokens + t) * sliceRows + r;
                            sum = sum.add(FloatVector.fromMemorySegment(F, dst, 4 * e, ByteOrder.nativeOrder()));
                        }
                    }
                }
                sum.intoArray(y, yt + r, F.indexInRange(r, valid));
            }
        }
    }

    /** Checks the products are open and sets OpenMP's team size (per calling thread; another backend may have set it). */
    private void begin() {
        if (closed) {
            throw new IllegalStateException("the oneDNN products are closed");
        }
        library.setThreads(threads);
    }

    /**
     * y[to + i] = hi + (mid + lo) for {@code rows} floats of the three parts' products in {@link #dst}: hi's from
     * element {@code from}, mid's {@code part} elements on, lo's {@code 2 * part} on.
     */
    private void sumParts(long from, long part, int rows, float[] y, int to) {
        int i = 0;
        for (int bound = F.loopBound(rows); i < bound; i += F.length()) {
            FloatVector hi = FloatVector.fromMemorySegment(F, dst, (from + i) * 4, ByteOrder.nativeOrder());
            FloatVector mid = FloatVector.fromMemorySegment(F, dst, (part + from + i) * 4, ByteOrder.nativeOrder());
            FloatVector lo = FloatVector.fromMemorySegment(F, dst, (2 * part + from + i) * 4, ByteOrder.nativeOrder());
            hi.add(mid.add(lo)).intoArray(y, to + i);
        }
        for (; i < rows; i++) {
            float hi = dst.getAtIndex(ValueLayout.JAVA_FLOAT, from + i);
            float mid = dst.getAtIndex(ValueLayout.JAVA_FLOAT, part + from + i);
            float lo = dst.getAtIndex(ValueLayout.JAVA_FLOAT, 2 * part + from + i);
            y[to + i] = hi + (mid + lo);
        }
    }

    /**
     * Bytes of int32 group sums ({@code groups x tokens x rows}) one matmul of a spike product writes before the float
     * steps read them: at 2 MB (the sums in L2) the oneDNN calls were many and short, and the 7B's gate product over 256
     * tokens took 90 ms; at 32 MB 65-70 ms, at 64 and 128 MB 76-92 (docs/PERFORMANCE.md, "CPU vendor math"; measured on a
     * host with a large L3, where the sums stay in it).
     */
    static final long SPIKE_CHUNK_SUM_BYTES = 32L << 20;

    /** Rows per chunk of a spike product: about {@link #SPIKE_CHUNK_SUM_BYTES} of sums, in whole tiles. */
    private static int spikeChunkRows(int groups, int tokens) {
        long rows = SPIKE_CHUNK_SUM_BYTES / (4L * groups * tokens);
        return (int) Math.max(2 * Int8Weights.TILE, rows / Int8Weights.TILE * Int8Weights.TILE);
    }

    /**
     * y[yOff + t * rows + r] for {@code tokens} tokens of counts {@code [cOff + t * cols ..]} (every one an int8
     * value: {@link GroupSumProduct#fitsInt8}), as {@code SpikeMatMul} computes it, bit for bit. The float steps are
     * split between {@code pool}'s threads by tokens while oneDNN's team waits.
     */
    synchronized void spikeProduct(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff,
                                   ComputePool pool) {
        begin();
        int cols = w.cols();
        int groups = w.groups();
        int chunk = Math.min(spikeChunkRows(groups, tokens), w.rows());
        long countBytes = (long) tokens * cols;
        ensureScratch(countBytes, 4L * groups * tokens * chunk);
        for (long i = 0; i < countBytes; i++) {
            src.set(ValueLayout.JAVA_BYTE, i, (byte) counts[cOff + (int) i]);
        }
        for (int b = 0; b < GroupSumProduct.blocks(w); b++) {
            int first = GroupSumProduct.blockFirstRow(w, b);
            int rows = GroupSumProduct.blockRowCount(w, b);
            int run = GroupSumProduct.runLength(w, b);
            MemorySegment codes = GroupSumProduct.blockCodes(w, b);
            for (int c0 = 0; c0 < rows; c0 += chunk) {
                int n = Math.min(chunk, rows - c0);
                int r0 = first + c0;
                groupSums(groups, tokens, cols, n, run).execute(src, codes.asSlice(c0), dst);
                pool.parallelFor(tokens, (t0, t1) -> {
                    float[] acc = accumulators((t1 - t0) * n);
                    for (int g = 0; g < groups; g++) {
                        GroupSumProduct.accumulate(w, g, dst.asSlice(4L * ((long) g * tokens + t0) * n), n, t1 - t0,
                                r0, r0 + n, acc, n);
                    }
                    GroupSumProduct.store(w, acc, n, Arrays.copyOfRange(vth, t0, t1), t1 - t0, y, yOff + t0 * w.rows(),
                            r0, r0 + n);
                });
            }
            pool.parallelFor(tokens, (t0, t1) -> GroupSumProduct.addOutliers(w, counts, cOff + t0 * cols,
                    Arrays.copyOfRange(vth, t0, t1), t1 - t0, y, yOff + t0 * w.rows(), first, first + rows));
        }
    }

    /** Per pool thread: the float accumulators of its tokens' rows of one chunk, zeroed. */
    private final ThreadLocal<float[][]> accumulators = ThreadLocal.withInitial(() -> new float[1][0]);

    private float[] accumulators(int n) {
        float[][] holder = accumulators.get();
        if (holder[0].length < n) {
            holder[0] = new float[n];
        } else {
            Arrays.fill(holder[0], 0, n, 0f);
        }
        return holder[0];
    }

    /** counts [G, T, 128] (int8, strided in [T, cols]) . codes [G, 128, n] (block runs) -> sums [G, T, n] int32. */
    private OneDnnMatmul groupSums(int groups, int tokens, int cols, int n, int run) {
        Shape key = new Shape(Kind.GROUP_SUMS, tokens, n, groups, run);
        OneDnnMatmul mm = primitives.get(key);
        if (mm != null) {
            return mm;
        }
        OneDnnMatmul.DataType s8 = OneDnnMatmul.DataType.S8;
        return cache(key, OneDnnMatmul.create(engine,
                new OneDnnMatmul.Operand(new long[] {groups, tokens, Int8Weights.GROUP}, new long[] {Int8Weights.GROUP, cols, 1}, s8),
                new OneDnnMatmul.Operand(new long[] {groups, Int8Weights.GROUP, n}, new long[] {(long) Int8Weights.GROUP * run, run, 1}, s8),
                new OneDnnMatmul.Operand(new long[] {groups, tokens, n}, new long[] {(long) tokens * n, n, 1},
                        OneDnnMatmul.DataType.S32)));
    }

    /** x parts [M, K] (BF16) . a weight slice's part [K, N] (BF16, row-major) -> [M, N] (F32). */
    private OneDnnMatmul scaledCodes(long m, int n, int k) {
        Shape key = new Shape(Kind.SCALED_CODES, m, n, k, 0);
        OneDnnMatmul mm = primitives.get(key);
        if (mm != null) {
            return mm;
        }
        OneDnnMatmul.DataType bf16 = OneDnnMatmul.DataType.BF16;
        return cache(key, OneDnnMatmul.create(engine, OneDnnMatmul.Operand.rowMajor(m, k, bf16),
                OneDnnMatmul.Operand.rowMajor(k, n, bf16), OneDnnMatmul.Operand.rowMajor(m, n, OneDnnMatmul.DataType.F32)));
    }

    private OneDnnMatmul cache(Shape key, OneDnnMatmul mm) {
        if (primitives.size() >= MAX_PRIMITIVES) {
            var eldest = primitives.entrySet().iterator();
            eldest.next().getValue().close();
            eldest.remove();
        }
        primitives.put(key, mm);
        return mm;
    }

    /** The BF16-weight product's primitive: BF16 or, without a BF16 matmul, FP32 activations. */
    private OneDnnMatmul primitive(long m, int n, int k) {
        Shape key = new Shape(bf16Matmul ? Kind.BF16_WEIGHT : Kind.F32_SRC_BF16_WEIGHT, m, n, k, 0);
        OneDnnMatmul mm = primitives.get(key);
        if (mm != null) {
            return mm;
        }
        return cache(key, OneDnnMatmul.create(engine, m, n, k,
                bf16Matmul ? OneDnnMatmul.DataType.BF16 : OneDnnMatmul.DataType.F32, OneDnnMatmul.DataType.BF16));
    }

    private void ensureScratch(long srcBytes, long dstBytes) {
        ensureScratch(srcBytes, dstBytes, 0);
    }

    /** Grows the scratch (activations, outputs, weight slices) to at least these sizes; it never shrinks. */
    private void ensureScratch(long srcBytes, long dstBytes, long weiBytes) {
        if (src.byteSize() >= srcBytes && dst.byteSize() >= dstBytes && wei.byteSize() >= weiBytes) {
            return;
        }
        long[] sizes = {Math.max(srcBytes, src.byteSize()), Math.max(dstBytes, dst.byteSize()), Math.max(weiBytes, wei.byteSize())};
        scratchArena.close();
        scratchArena = Arena.ofShared();
        src = scratchArena.allocate(sizes[0], 64);
        dst = scratchArena.allocate(sizes[1], 64);
        wei = sizes[2] == 0 ? MemorySegment.NULL : scratchArena.allocate(sizes[2], 64);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (OneDnnMatmul mm : primitives.values()) {
            mm.close();
        }
        primitives.clear();
        scratchArena.close();
        engine.close();
    }
}
