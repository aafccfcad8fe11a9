package io.spikert.runtime.gpu;

import io.spikert.ffm.BlasType;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuStream;
import io.spikert.ffm.Transpose;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.KvPrecision;

/**
 * The model's operators on the device, typed: each method checks its sizes, computes the launch
 * geometry its CUDA kernel needs (the only place that does) and launches it on the default stream,
 * so operators run in issue order without host synchronisation. Activations are F32 row-major
 * [tokens, features]; pointers are device addresses.
 *
 * <p>Products: BF16 weights use SpikeRT's {@code matvec_bf16} (one token) and {@code matmul_bf16}
 * (several) on F32 activations, since BLAS GemmEx would need BF16 activations and lose the 1e-3
 * agreement with the CPU; F32 weights use BLAS GemmEx where cuBLAS / mcBLAS is present and
 * {@code matvec_f32} / {@code matmul_f32} otherwise. A failing launch or BLAS call is a
 * {@link DeviceOpException} naming the kernel (or tensor) and its sizes.
 */
public final class DeviceOps {
    /** Threads per block of the element-wise and row-wise kernels: 8 warps. */
    static final int BLOCK = 256;
    /** Grid-stride kernels need no more blocks than this to fill any current device. */
    private static final int MAX_STRIDE_BLOCKS = 4096;
    /** {@code matmul_*} shared-memory tile edge (SPIKERT_TILE in matmul.cu). */
    private static final int TILE = 16;
    /** Static plus dynamic shared memory a block may use without an opt-in attribute. */
    static final int SHARED_LIMIT = 48 * 1024;
    /**
     * Static shared memory of {@code swa_attend}: the warp partials of block_max (floats) and block_sum_d
     * (doubles), 32 each. It comes out of the same 48 KB as the dynamic scores (a test reads it from the PTX).
     */
    static final int SWA_STATIC_SHARED = 384;
    /** Threads per block of {@code swa_decode_split} (4 warps) and {@code swa_decode_combine} (8 warps). */
    static final int SWA_SPLIT_BLOCK = 128;
    static final int SWA_COMBINE_BLOCK = 256;
    /** Largest head dimension of the decode attention kernels: SPIKERT_SWA_MAX_D in swa.cu, 8 floats a lane. */
    public static final int SWA_DECODE_MAX_HEAD_DIM = 8 * KernelCatalog.PTX_WARP_SIZE;
    /**
     * {@code swa_decode_split} blocks one decode step aims for over all kv heads: about 4 per SM of an
     * H100 or H200 (132 SMs; 4.7 on an A100's 108), enough resident warps to keep the key and value
     * loads of every SM in flight. Fewer keys per split means more partials for the merge to read.
     */
    static final int SWA_TARGET_BLOCKS = 512;
    /** Keys per split at least (short windows early in a sequence) and at most (long windows). */
    static final int SWA_MIN_SPLIT_KEYS = 4;
    static final int SWA_MAX_SPLIT_KEYS = 256;
    /** Warps of a {@code gla_step} block: SPIKERT_GLA_WARPS in gla.cu, the rows of its reduction buffer. */
    static final int GLA_STEP_WARPS = 8;
    /** Tokens one warp of {@code spike_matmul} and {@code int8_float_matmul} carries: SPIKERT_SPIKE_TOKENS in spike.cu. */
    static final int SPIKE_TOKENS = 8;
    /**
     * Byte alignment the dense INT8 products need of the codes, counts and float input: spike.cu reads
     * them with 128-bit loads (16 codes, 4 counts or 4 floats a load), which fault on a device when
     * misaligned. Device allocations are aligned to 256; rows stay aligned since cols is a multiple of 128.
     */
    static final int INT8_VECTOR_ALIGN = 16;
    /** gridDim.y (and .z) limit of every current device; gridDim.x may reach 2^31 - 1. */
    static final int MAX_GRID_Y = 65535;
    static final int MAX_BLOCK_THREADS = 1024;

    private final GpuDriver driver;
    private final LoadedKernels kernels;
    private final GpuBlas blas;
    private final int warp = KernelCatalog.PTX_WARP_SIZE;
    private long launches;
    private long weightBytesRead;
    private boolean checkEachLaunch;

    /** {@code blas} may be null: F32 products then use SpikeRT's kernels. */
    public DeviceOps(GpuDriver driver, LoadedKernels kernels, GpuBlas blas) {
        this.driver = driver;
        this.kernels = kernels;
        this.blas = blas;
    }

    public GpuDriver driver() {
        return driver;
    }

    public boolean hasBlas() {
        return blas != null;
    }

    /**
     * With {@code on}, every launch and BLAS call waits for the device, so a fault while a kernel runs
     * (an illegal address, say) is reported as that kernel's {@link DeviceOpException} with its sizes
     * and geometry, not at the next copy that happens to synchronise. Costs a round trip per launch:
     * for first runs on new hardware and for debugging. Off by default ({@link io.spikert.runtime.Tuning#checkEachLaunch}).
     */
    public void checkEachLaunch(boolean on) {
        checkEachLaunch = on;
    }

    public boolean checksEachLaunch() {
        return checkEachLaunch;
    }

    /** Kernel launches and BLAS calls issued so far. */
    public long launches() {
        return launches;
    }

    /**
     * Weight bytes of the products so far, each call counting its whole matrix once: a decode step's figure is
     * the bytes it streams; a prefill chunk's is a lower bound (its kernels read a matrix once per tile of
     * tokens, partly from cache, which this does not try to count).
     */
    public long weightBytesRead() {
        return weightBytesRead;
    }

    /** out[t] = table[ids[t]] widened to F32, for {@code count} int32 ids. */
    public void gather(DeviceMatrix table, long ids, int count, long out) {
        String k = table.dtype() == DType.BF16 ? "embedding_gather_bf16" : "embedding_gather_f32";
        launch(k, count, 1, BLOCK, 1, 0, table.pointer(), ids, out, count, table.cols());
    }

    /** out[r] = rmsnorm(x[r]) * w over {@code n} features, for {@code rows} rows. */
    public void rmsnorm(long x, long w, long out, int n, int rows, float eps) {
        launch("rmsnorm", rows, 1, BLOCK, 1, 0, x, w, out, n, eps, rows);
    }

    /** y[r] = act(y[r] + bias) for {@code rows} rows of {@code n}; {@code bias} 0 for none. */
    public void biasAct(long y, long bias, int n, int rows, Activation act, float divisor) {
        launch("bias_act", strideBlocks((long) n * rows), 1, BLOCK, 1, 0, y, bias, n, rows, act.code(), divisor);
    }

    /** x += y over {@code n} floats. */
    public void add(long x, long y, int n) {
        launch("add_inplace", strideBlocks(n), 1, BLOCK, 1, 0, x, y, n);
    }

    /** out = silu(gate) * up over {@code n} floats; {@code out} may be {@code gate}. */
    public void siluMul(long gate, long up, long out, int n) {
        launch("silu_mul", strideBlocks(n), 1, BLOCK, 1, 0, gate, up, out, n);
    }

    /** cos/sin [tokens][headDim / 2] for positions pos0 .. pos0 + tokens - 1. */
    public void ropeAngles(long cos, long sin, long pos0, int tokens, int headDim, float theta) {
        launch("rope_angles", tokens, 1, Math.max(warp, Math.min(BLOCK, roundUp(headDim / 2, warp))), 1, 0,
                cos, sin, pos0, tokens, headDim, theta);
    }

    /** Rotate-half RoPE in place on {@code heads} heads of each of {@code tokens} rows {@code ldx} apart. */
    public void rope(long x, long cos, long sin, int tokens, int heads, int headDim, int ldx) {
        launch("rope_rotate_half", tokens, 1, BLOCK, 1, 0, x, cos, sin, tokens, heads, headDim, ldx);
    }

    /**
     * One GLA decode step for every kv head (see gla.cu): a block per 32 state columns of a kv head,
     * its {@link #GLA_STEP_WARPS} warps splitting the rows.
     */
    public void glaStep(long state, long q, long k, long v, long g, long out, int d, int group, float scale, int kvHeads) {
        launch("gla_step", ceilDiv(d, warp), kvHeads, GLA_STEP_WARPS * warp, 1, 0, state, q, k, v, g, out, d, group, scale,
                kvHeads);
    }

    /** GLA over {@code tokens} rows (q and out rows {@code ldq}/{@code ldo} apart, k, v, g rows {@code ldkv} apart). */
    public void glaChunk(long state, long q, long k, long v, long g, long out, int d, int group, int tokens, float scale,
                         int kvHeads, int ldq, int ldkv, int ldo) {
        launch("gla_chunk", kvHeads, 1, glaBlock(d), 1, 0, state, q, k, v, g, out, d, group, tokens, scale, kvHeads,
                ldq, ldkv, ldkv, ldkv, ldo);
    }

    /**
     * Stores {@code tokens} rows of keys and values into the ring at positions pos0 ..., as the ring holds them
     * ({@code ring}: F32, or BF16 rounded to nearest even).
     */
    public void kvStore(KvPrecision ring, long keys, long values, long k, long v, int tokens, int kvHeads, int d,
                        int capacity, long pos0, int ldkv) {
        launch(ringKernel("kv_ring_store", ring), tokens, kvHeads, Math.min(BLOCK, roundUp(d, warp)), 1, 0,
                keys, values, k, v, tokens, kvHeads, d, capacity, pos0, ldkv, ldkv);
    }

    /** Sliding-window attention of {@code tokens} queries at pos0 ... over {@code window} keys each (see swa.cu). */
    public void swaAttend(KvPrecision ring, long q, long keys, long values, long out, int tokens, int heads, int kvHeads,
                          int d, int capacity, int window, long pos0, float scale, int ldq, int ldo) {
        long shared = 4L * window;
        if (!swaAttendFits(window)) {
            throw new DeviceOpException("swa_attend: a window of " + window + " keys needs " + shared
                    + " bytes of shared memory for its scores, which with the kernel's " + SWA_STATIC_SHARED
                    + " static bytes is over the " + SHARED_LIMIT + " a block gets without opt-in");
        }
        launch(ringKernel("swa_attend", ring), heads, tokens, 4 * warp, 1, (int) shared, q, keys, values, out, tokens,
                heads, kvHeads, d, capacity, window, pos0, scale, ldq, ldo);
    }

    /**
     * Whether {@link #swaAttend} takes a window of {@code window} keys: one float score per key in a block's shared
     * memory beside the kernel's static partials. SpikingBrain's 4097 does; a full-attention model's context (Qwen2's,
     * the window being every position) may not, and then each query of a chunk attends as a decode step does
     * ({@link #swaDecode}, whose key splits fit any window).
     */
    public static boolean swaAttendFits(int window) {
        return 4L * window + SWA_STATIC_SHARED <= SHARED_LIMIT;
    }

    /**
     * Attention of one query token at position {@code pos} (decode) over its {@code window} keys, split
     * over the key range (flash decoding, see swa.cu): {@code swa_decode_split} on a grid of splits x
     * kv heads leaves per query head and split a partial softmax state in {@code scratch}, then
     * {@code swa_decode_combine} merges them into {@code out} [heads][d]. {@code scratch} must hold
     * {@link #swaDecodeScratchBytes} bytes; nothing is allocated here. The ring must hold the window:
     * {@code capacity >= window}.
     */
    public void swaDecode(KvPrecision ring, long q, long keys, long values, long out, long scratch, long scratchBytes,
                          int heads, int kvHeads, int d, int capacity, int window, long pos, float scale) {
        if (kvHeads < 1 || heads % kvHeads != 0) {
            throw new DeviceOpException("swa_decode: " + heads + " query heads do not divide into " + kvHeads + " kv heads");
        }
        if (d < 1 || d > SWA_DECODE_MAX_HEAD_DIM) {
            throw new DeviceOpException("swa_decode: head dimension " + d + " outside 1.." + SWA_DECODE_MAX_HEAD_DIM
                    + " (a warp holds a key row in registers, 8 floats a lane)");
        }
        if (window < 1 || capacity < window || pos < 0) {
            throw new DeviceOpException("swa_decode: window " + window + ", ring capacity " + capacity + ", position " + pos
                    + ": the ring must hold the whole window and the position must be >= 0");
        }
        int n = (int) Math.min(window, pos + 1);
        int group = heads / kvHeads;
        int splitKeys = swaSplitKeys(n, kvHeads, group, d);
        int splits = ceilDiv(n, splitKeys);
        long need = swaScratchBytes(heads, splits, d);
        if (need > scratchBytes) {
            throw new DeviceOpException("swa_decode: " + splits + " splits of " + heads + " heads need " + need
                    + " bytes of partials, the scratch has " + scratchBytes + " (size it with swaDecodeScratchBytes)");
        }
        long partOut = scratch;
        long partMax = partOut + 4L * heads * splits * d;
        long partSum = partMax + 4L * heads * splits;
        launch(ringKernel("swa_decode_split", ring), splits, kvHeads, SWA_SPLIT_BLOCK, 1, 4 * group * (d + splitKeys),
                q, keys, values, partOut, partMax, partSum, heads, kvHeads, d, capacity, window, pos, scale, splitKeys, splits);
        launch("swa_decode_combine", heads, 1, SWA_COMBINE_BLOCK, 1, 4 * (SWA_COMBINE_BLOCK / warp) * d,
                partOut, partMax, partSum, out, heads, d, splits);
    }

    /** The kernel {@code name} for a ring of {@code ring}'s element type: itself for F32, its _bf16 twin for BF16. */
    private static String ringKernel(String name, KvPrecision ring) {
        return switch (ring) {
            case F32 -> name;
            case BF16 -> name + "_bf16";
        };
    }

    /** Bytes of scratch {@link #swaDecode} needs for every position of a window of {@code window} keys. */
    public static long swaDecodeScratchBytes(int heads, int kvHeads, int d, int window) {
        int most = 0;
        for (int n = 1; n <= window; n++) {
            most = Math.max(most, ceilDiv(n, swaSplitKeys(n, kvHeads, heads / kvHeads, d)));
        }
        return swaScratchBytes(heads, most, d);
    }

    /** partOut [heads][splits][d], partMax and partSum [heads][splits], floats. */
    private static long swaScratchBytes(int heads, int splits, int d) {
        return 4L * heads * splits * (d + 2L);
    }

    /**
     * Keys per split for {@code n} keys: enough splits to give about {@link #SWA_TARGET_BLOCKS} blocks,
     * each split {@link #SWA_MIN_SPLIT_KEYS} to {@link #SWA_MAX_SPLIT_KEYS} keys, and the group's queries and
     * scores within the shared memory a block gets.
     */
    static int swaSplitKeys(int n, int kvHeads, int group, int d) {
        int keys = ceilDiv(n, ceilDiv(SWA_TARGET_BLOCKS, kvHeads));
        keys = Math.min(n, Math.max(SWA_MIN_SPLIT_KEYS, Math.min(SWA_MAX_SPLIT_KEYS, keys)));
        int byShared = SHARED_LIMIT / 4 / group - d;
        if (byShared < 1) {
            throw new DeviceOpException("swa_decode: " + group + " query heads per kv head of dimension " + d
                    + " leave no room for scores in " + SHARED_LIMIT + " bytes of shared memory");
        }
        return Math.min(keys, byShared);
    }

    /** y[t] = W x[t] for {@code tokens} contiguous rows (x rows {@code w.cols()}, y rows {@code w.rows()} floats). */
    public void linear(DeviceMatrix w, long x, int tokens, long y) {
        int rows = w.rows(), cols = w.cols();
        weightBytesRead += w.bytes();
        if (w.dtype() == DType.F32 && blas != null) {
            launches++;
            try {
                // Row-major Y[tokens, rows] = X W^T is, column-major, Y^T = W X^T: W stored row-major
                // [rows, cols] reads as the column-major (cols x rows) matrix W^T, hence op(A) = T.
                blas.gemmEx(Transpose.T, Transpose.N, rows, tokens, cols, 1f, w.pointer(), BlasType.F32, cols,
                        x, BlasType.F32, cols, 0f, y, BlasType.F32, rows);
                if (checkEachLaunch) {
                    driver.synchronize();
                }
            } catch (RuntimeException e) {
                throw new DeviceOpException("BLAS GemmEx for " + w.name() + " [" + rows + ", " + cols + "] x " + tokens
                        + " tokens failed on " + driver.vendor() + ": " + e.getMessage(), e);
            }
            return;
        }
        String type = w.dtype() == DType.BF16 ? "bf16" : "f32";
        if (tokens == 1) {
            int rowsPerBlock = BLOCK / warp;
            launchFor(w.name(), "matvec_" + type, ceilDiv(rows, rowsPerBlock), 1, BLOCK, 1, 0,
                    w.pointer(), x, y, rows, cols);
        } else {
            launchFor(w.name(), "matmul_" + type, ceilDiv(rows, TILE), ceilDiv(tokens, TILE), TILE, TILE, 0,
                    w.pointer(), x, cols, tokens, y, rows, rows, cols);
        }
    }

    /**
     * W8ASpike's input spiking of {@code rows} tokens of {@code n} features (MODEL.md section 4):
     * {@code vth[r] = clamp(mean|x[r]| / k, 1e-5, 1e4)}, {@code counts[r][i] = rint(x[r][i] / vth[r])}, int32.
     * Since |x_i| <= n mean|x|, a count is at most k n (unless vth is clamped down from above 1e4), which
     * must fit the products' int32 group sums ({@link Int8Weights#MAX_ABS_COUNT}).
     */
    public void spikeEncode(long x, long counts, long vth, int n, float k, int rows) {
        checkSpikeK("spike_encode", k);
        if (n < 1 || (double) k * n + 1 > Int8Weights.MAX_ABS_COUNT) {
            throw new DeviceOpException("spike_encode: " + n + " features at threshold factor " + k + " allow counts up to "
                    + (long) Math.ceil((double) k * n) + ", over the " + Int8Weights.MAX_ABS_COUNT
                    + " the INT8 products' int32 group sums hold (or no features at all)");
        }
        launch("spike_encode", rows, 1, rowBlock(n), 1, 0, x, counts, vth, n, k, rows);
    }

    /**
     * {@code y[t] = vth[t] * (W' counts[t])} for {@code tokens} rows (counts [tokens][cols] int32, vth
     * [tokens], y [tokens][rows]): {@code int8_matvec} for one token, {@code spike_matmul} (one read of
     * the codes per {@link #SPIKE_TOKENS} tokens) for a chunk. Biases are added separately.
     */
    public void spikeLinear(DeviceInt8Matrix w, long counts, long vth, int tokens, long y) {
        String kernel = tokens == 1 ? "int8_matvec" : "spike_matmul";
        checkVectorAligned(w, kernel, "codes", w.codes());
        checkVectorAligned(w, kernel, "counts", counts);
        weightBytesRead += w.bytes();
        int rowsPerBlock = BLOCK / warp;
        if (tokens == 1) {
            launchFor(w.name(), "int8_matvec", ceilDiv(w.rows(), rowsPerBlock), 1, BLOCK, 1, 0, w.codes(), w.scales(),
                    w.outlierStart(), w.outlierCol(), w.outlierResidual(), counts, vth, y, w.rows(), w.cols());
        } else {
            launchFor(w.name(), "spike_matmul", ceilDiv(w.rows(), rowsPerBlock), ceilDiv(tokens, SPIKE_TOKENS), BLOCK, 1, 0,
                    w.codes(), w.scales(), w.outlierStart(), w.outlierCol(), w.outlierResidual(), counts, vth, y,
                    w.rows(), w.cols(), tokens);
        }
    }

    /** {@code y[t] = W' x[t]} with an un-spiked float input x [tokens][cols] (W8ASpike's down_proj held as codes). */
    public void int8Linear(DeviceInt8Matrix w, long x, int tokens, long y) {
        checkVectorAligned(w, "int8_float_matmul", "codes", w.codes());
        checkVectorAligned(w, "int8_float_matmul", "x", x);
        weightBytesRead += w.bytes();
        launchFor(w.name(), "int8_float_matmul", ceilDiv(w.rows(), BLOCK / warp), ceilDiv(tokens, SPIKE_TOKENS), BLOCK, 1, 0,
                w.codes(), w.scales(), w.outlierStart(), w.outlierCol(), w.outlierResidual(), x, y, w.rows(), w.cols(), tokens);
    }

    /** In place on {@code rows} rows of {@code n}: {@code x = vth * rint(x / vth)} with vth as in {@link #spikeEncode}. */
    public void spikeQuantize(long x, int n, float k, int rows) {
        checkSpikeK("spike_quantize", k);
        launch("spike_quantize", rows, 1, rowBlock(n), 1, 0, x, n, k, rows);
    }

    /** In place on {@code rows} rows of {@code n}: symmetric int8 with {@code scale = clamp(max|x| / 127, 1e-5, 1e4)}. */
    public void int8Quantize(long x, int n, int rows) {
        launch("int8_quantize", rows, 1, rowBlock(n), 1, 0, x, n, rows);
    }

    private static void checkVectorAligned(DeviceInt8Matrix w, String kernel, String what, long pointer) {
        if (pointer % INT8_VECTOR_ALIGN != 0) {
            throw new DeviceOpException(name(w.name(), kernel) + ": " + what + " at 0x" + Long.toHexString(pointer)
                    + " is not " + INT8_VECTOR_ALIGN + "-byte aligned; the kernel reads it with 128-bit loads");
        }
    }

    private static void checkSpikeK(String kernel, float k) {
        if (!(k > 0f) || Float.isInfinite(k)) {
            throw new DeviceOpException(kernel + ": threshold factor k must be positive and finite, got " + k);
        }
    }

    /** Whole warps, one thread per feature up to {@link #BLOCK}: the row kernels reduce over the block. */
    private int rowBlock(int n) {
        return Math.min(BLOCK, roundUp(n, warp));
    }

    private int glaBlock(int d) {
        // Thread j owns state column j: one thread per column up to 1024, whole warps.
        return Math.min(1024, roundUp(d, warp));
    }

    private static int strideBlocks(long n) {
        return (int) Math.max(1, Math.min(MAX_STRIDE_BLOCKS, (n + BLOCK - 1) / BLOCK));
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static int roundUp(int a, int multiple) {
        return Math.max(multiple, ceilDiv(a, multiple) * multiple);
    }

    private void launch(String kernel, int gx, int gy, int bx, int by, int shared, Object... args) {
        launchFor(null, kernel, gx, gy, bx, by, shared, args);
    }

    /** Launches {@code kernel}; {@code tensor}, when not null, is named in the error with the kernel. */
    private void launchFor(String tensor, String kernel, int gx, int gy, int bx, int by, int shared, Object... args) {
        KernelSpec spec = KernelCatalog.kernel(kernel);
        String limit = geometryProblem(gx, gy, bx, by, shared);
        if (limit != null) {
            // The device would refuse it with a bare CUDA_ERROR_INVALID_VALUE; say which limit and why here.
            throw new DeviceOpException(name(tensor, kernel) + " not launched on " + driver.vendor() + " " + geometry(gx, gy, bx, by, shared)
                    + ": outside the device's launch limits: " + limit);
        }
        launches++;
        try {
            driver.launch(kernels.kernel(kernel), gx, gy, 1, bx, by, 1, shared, GpuStream.DEFAULT, spec.args(args));
            if (checkEachLaunch) {
                driver.synchronize();
            }
        } catch (RuntimeException e) {
            throw new DeviceOpException(name(tensor, kernel) + " failed on " + driver.vendor() + " " + geometry(gx, gy, bx, by, shared)
                    + (checkEachLaunch ? ", launch or execution" : "") + ": " + e.getMessage(), e);
        }
    }

    private static String name(String tensor, String kernel) {
        return "kernel " + kernel + (tensor == null ? "" : " (" + tensor + ")");
    }

    private static String geometry(int gx, int gy, int bx, int by, int shared) {
        return "(grid " + gx + "x" + gy + ", block " + bx + "x" + by + ", " + shared + " shared bytes)";
    }

    /** What a launch of this shape breaks, or null: the limits every current CUDA and MACA device has. */
    static String geometryProblem(int gx, int gy, int bx, int by, int shared) {
        if (gx < 1 || gy < 1) {
            return "an empty grid (nothing to do was launched)";
        }
        if (gy > MAX_GRID_Y) {
            return "gridDim.y " + gy + " > " + MAX_GRID_Y;
        }
        if (bx < 1 || by < 1 || (long) bx * by > MAX_BLOCK_THREADS) {
            return "a block of " + bx + "x" + by + " threads (1 to " + MAX_BLOCK_THREADS + ")";
        }
        if (shared < 0 || shared > SHARED_LIMIT) {
            return shared + " bytes of dynamic shared memory (at most " + SHARED_LIMIT + " without opt-in)";
        }
        return null;
    }
}
