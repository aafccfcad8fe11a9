package io.spikert.runtime.backend;

import io.spikert.kernels.Activations;
import io.spikert.kernels.AttentionTiles;
import io.spikert.kernels.Bf16;
import io.spikert.kernels.GlaChunk;
import io.spikert.kernels.GlaStep;
import io.spikert.kernels.MatMul;
import io.spikert.kernels.MatVec;
import io.spikert.kernels.QuantMatVec;
import io.spikert.kernels.QuantWeights;
import io.spikert.kernels.RmsNorm;
import io.spikert.kernels.Rope;
import io.spikert.kernels.SlidingWindowAttention;
import io.spikert.kernels.SlidingWindowAttentionBf16;
import io.spikert.kernels.SwiGlu;
import io.spikert.kernels.spike.ChannelList;
import io.spikert.kernels.spike.GroupSumProduct;
import io.spikert.kernels.spike.Int8MatMul;
import io.spikert.kernels.spike.Int8MatVec;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeMatMul;
import io.spikert.kernels.spike.SpikeCounts;
import io.spikert.kernels.spike.SpikeMatVec;
import io.spikert.kernels.spike.SpikeQuantizer;
import io.spikert.kernels.spike.SpikeTileList;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.DType;
import io.spikert.runtime.NumericalFaultException;
import io.spikert.runtime.Precision;
import io.spikert.runtime.Rows;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.VectorApi;
import io.spikert.runtime.VendorMath;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs products with the Vector API kernels across the runtime's compute pool: rows split between the
 * threads, except the spike-count INT8 products, whose threads split the input channels (see byGroups).
 * Products of BF16 weights over {@link Tuning#vendorFromTokens} tokens or more (at least
 * {@link #F32_ACTIVATION_VENDOR_FROM_TOKENS} where the CPU has no BF16 matmul and oneDNN multiplies FP32 activations),
 * and batched spike products of as many, go to oneDNN's matmul where it is found ({@link Tuning#vendorMath}, {@link OneDnnProducts});
 * {@link #vendorMath()} says which path runs, and why not the library when it does not.
 */
public final class CpuBackend implements Backend {
    /** Rows per split unit: keeps each thread's slice of a weight matrix on whole cache lines. */
    private static final int ROW_GRAIN = 16;

    private final ComputePool pool;
    private final boolean ownsPool;
    private final LongAdder weightBytesRead = new LongAdder();
    private final LongAdder vendorProducts = new LongAdder();

    private final Tuning tuning;

    /** oneDNN's products, or null when not used ({@link #vendorNotice} says why). */
    private final OneDnnProducts vendor;
    private final String vendorNotice;
    /** Tokens from which BF16-weight products go to {@link #vendor}. */
    private final int bf16WeightVendorFromTokens;
    private volatile Precision precision = Precision.FP32;

    /** {@code threads} compute threads and the default {@link Tuning}. */
    public CpuBackend(int threads) {
        this(threads, Tuning.defaults());
    }

    public CpuBackend(int threads, Tuning tuning) {
        this(new ComputePool(threads), true, tuning);
    }

    public CpuBackend(ComputePool pool, boolean ownsPool) {
        this(pool, ownsPool, Tuning.defaults());
    }

    /** Computes on {@code pool} (closed with the backend when {@code ownsPool}) with the switches of {@code tuning}. */
    public CpuBackend(ComputePool pool, boolean ownsPool, Tuning tuning) {
        VectorApi.require();
        this.pool = pool;
        this.ownsPool = ownsPool;
        this.tuning = tuning;
        this.sparseFromSilentShare = tuning.sparseFromSilentShare();
        this.spikeBatchFromTokens = tuning.spikeBatchFromTokens();
        OneDnnProducts found = null;
        int from = Integer.MAX_VALUE;
        String notice;
        if (tuning.vendorMath() == VendorMath.OFF) {
            notice = "oneDNN off (" + Tuning.VENDOR_MATH + "=off)";
        } else {
            try {
                found = OneDnnProducts.open(pool.threads());
                from = bf16WeightVendorFromTokens(found, tuning);
                notice = found.describe() + " for BF16-weight" + (found.exactInt8() ? " and spike" : "")
                        + " products from " + from + " tokens"
                        + (found.bf16Matmul() ? ", INT8 products of a float input from "
                                + Math.max(tuning.vendorFromTokens(), INT8_FLOAT_VENDOR_FROM_TOKENS)
                                : "; INT8 products of a float input on the Vector API")
                        + (found.exactInt8() ? "" : "; spike products on the Vector API: " + found.int8Refusal());
            } catch (OneDnnProducts.Unavailable e) {
                if (tuning.vendorMath() == VendorMath.REQUIRE) {
                    if (ownsPool) {
                        pool.close();
                    }
                    throw new IllegalStateException(Tuning.VENDOR_MATH + "=require, but " + e.getMessage(), e);
                }
                notice = "oneDNN not used: " + e.getMessage();
            }
        }
        this.vendor = found;
        this.vendorNotice = notice;
        this.bf16WeightVendorFromTokens = from;
    }

    /**
     * Tokens from which a BF16-weight product goes to oneDNN: {@link Tuning#vendorFromTokens} with a BF16 matmul; with
     * FP32 activations instead (AVX2), at least {@link #F32_ACTIVATION_VENDOR_FROM_TOKENS}.
     */
    private static int bf16WeightVendorFromTokens(OneDnnProducts vendor, Tuning tuning) {
        return vendor.bf16Matmul() ? tuning.vendorFromTokens()
                : Math.max(tuning.vendorFromTokens(), F32_ACTIVATION_VENDOR_FROM_TOKENS);
    }

    /**
     * Tokens from which a BF16-weight product goes to oneDNN where it multiplies FP32 activations (a CPU without a BF16
     * matmul): on an AVX2 CPU oneDNN's product ran at 0.74-0.94x the Vector API's at 16 tokens, 0.91-1.50x at 32 and
     * 1.10-1.38x at 64 and 256 (7B shapes, 1 and 2 threads; docs/PERFORMANCE.md, "FP32 activations x BF16 weights on
     * AVX2"), so a batched decode step stays on the Vector API.
     */
    public static final int F32_ACTIVATION_VENDOR_FROM_TOKENS = 32;

    /** The switches this backend was made with (the setters below may have changed two of them since). */
    public Tuning tuning() {
        return tuning;
    }

    @Override
    public String name() {
        return "cpu (" + pool.threads() + " threads, " + VectorApi.describe() + "; " + vendorNotice
                + (precision == Precision.BF16 ? "; bf16 prefill activations" : "") + ")";
    }

    /** Which products go to the CPU vendor library, or why none do, in one line. */
    public String vendorMath() {
        return vendorNotice;
    }

    /** Whether oneDNN takes this backend's multi-token BF16-weight and batched spike products. */
    public boolean usesVendorMath() {
        return vendor != null;
    }

    /** Tokens from which a BF16-weight product goes to oneDNN ({@code Integer.MAX_VALUE} without it). */
    public int vendorFromTokens() {
        return bf16WeightVendorFromTokens;
    }

    /** Products oneDNN has taken since this backend was made (BF16-weight, spike and INT8 float-input ones). */
    public long vendorProducts() {
        return vendorProducts.sum();
    }

    /**
     * Whether oneDNN takes batched INT8 products of a float input (W8ASpike's down_proj): only where it has a BF16
     * matmul to rebuild their weights in.
     */
    public boolean usesVendorInt8FloatProducts() {
        return vendor != null && vendor.bf16Matmul();
    }

    /**
     * Whether oneDNN also takes batched spike products: only where its INT8 group sums are exact (a CPU with an
     * INT8 dot product; {@link #vendorMath()} says why not otherwise).
     */
    public boolean usesVendorSpikeProducts() {
        return vendor != null && vendor.exactInt8();
    }

    /** The activation precision of products over several tokens (see {@link Precision}); FP32 unless set. */
    public Precision precision() {
        return precision;
    }

    /** Sets the activation precision of products over several tokens. */
    public CpuBackend precision(Precision precision) {
        this.precision = Objects.requireNonNull(precision, "precision");
        return this;
    }

    public ComputePool pool() {
        return pool;
    }

    public void checkWeight(Tensor w) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("tensor " + w.name() + ": a linear weight must be 2-D, got " + w);
        }
        if (w.dtype() != DType.F32 && w.dtype() != DType.BF16) {
            throw new IllegalArgumentException("tensor " + w.name() + ": the CPU backend multiplies F32 or BF16 weights, not " + w.dtype());
        }
        if (w.dim(0) > Integer.MAX_VALUE || w.dim(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + w.name() + ": dimensions too large " + w);
        }
    }

    /**
     * y[t] = W x[t] for {@code tokens} rows; over several tokens, at the backend's {@link #precision()} (BF16:
     * the activations rounded to BF16 first) and through oneDNN where it takes the product.
     */
    public void linear(Tensor w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        if (tokens > 1) {
            boolean bf16Activations = precision == Precision.BF16;
            if (vendor != null && w.dtype() == DType.BF16 && tokens >= bf16WeightVendorFromTokens && w.data().isNative()) {
                weightBytesRead.add(w.byteSize());
                vendorProducts.increment();
                vendor.bf16Weights(w.data(), (int) w.dim(0), (int) w.dim(1), x, xOff, tokens, y, yOff, bf16Activations);
                return;
            }
            if (bf16Activations) {
                product(w, bf16Rounded(x, xOff, tokens * (int) w.dim(1)), 0, tokens, y, yOff);
                return;
            }
        }
        product(w, x, xOff, tokens, y, yOff);
    }

    /** A copy of {@code n} activations from {@code x[off]}, each rounded to BF16 (the Vector API path at BF16 precision). */
    private static float[] bf16Rounded(float[] x, int off, int n) {
        float[] rounded = java.util.Arrays.copyOfRange(x, off, off + n);
        Bf16.roundInPlace(rounded, 0, n);
        return rounded;
    }

    /** The Vector API product at the activations' own precision. */
    private void product(Tensor w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        int rows = (int) w.dim(0);
        int cols = (int) w.dim(1);
        var data = w.data();
        weightBytesRead.add(w.byteSize());
        boolean bf16 = w.dtype() == DType.BF16;
        if (tokens == 1) {
            pool.parallelFor(rows, ROW_GRAIN, (start, end) -> {
                if (bf16) {
                    MatVec.bf16(data, cols, x, xOff, y, yOff, start, end);
                } else {
                    MatVec.f32(data, cols, x, xOff, y, yOff, start, end);
                }
            });
        } else {
            pool.parallelFor(rows, ROW_GRAIN, (start, end) -> {
                if (bf16) {
                    MatMul.bf16(data, cols, x, xOff, cols, tokens, y, yOff, rows, start, end);
                } else {
                    MatMul.f32(data, cols, x, xOff, cols, tokens, y, yOff, rows, start, end);
                }
            });
        }
    }

    /**
     * Silent-channel share from which the event-driven kernel is used ({@link Tuning#sparseFromSilentShare}).
     * Both kernels stream the same channel blocks of Int8Weights, and the event kernel skips a silent
     * channel's whole run, so it is as fast as the dense one with no silent channel (the same walk plus
     * listing the channels) and faster from the first few percent; the default keeps the dense kernel for
     * inputs where nothing is skipped. Measurements: docs/PERFORMANCE.md, design measurements.
     */
    private volatile double sparseFromSilentShare;

    /** Per caller thread: spikeLinear may be called from several threads at once (their regions then run in turn). */
    private final ThreadLocal<ChannelList> channelLists = ThreadLocal.withInitial(ChannelList::new);

    /** Per caller thread: the other threads' parts of a product split by channels (byGroups). */
    private final ThreadLocal<float[][]> partials = ThreadLocal.withInitial(() -> new float[0][0]);

    /** Sets the silent-channel share from which {@link #spikeLinear} uses the event-driven kernel (above 1: never). */
    public CpuBackend sparseFromSilentShare(double share) {
        if (!(share >= 0)) {
            throw new IllegalArgumentException("silent share must be >= 0, got " + share);
        }
        this.sparseFromSilentShare = share;
        return this;
    }

    public SpikeKernel spikeLinear(Int8Weights w, int[] counts, int cOff, float vth, float[] y, int yOff) {
        int cols = w.cols();
        // listed once here and shared by the threads: listing per thread cost each thread a pass over the counts
        ChannelList list = channelLists.get().listActive(counts, cOff, cols);
        int silent = cols - list.size();
        SpikeKernel kernel = silent >= sparseFromSilentShare * cols ? SpikeKernel.SPARSE_EVENTS : SpikeKernel.DENSE_INT8;
        if (kernel == SpikeKernel.DENSE_INT8 && silent > 0) {
            list.listAll(counts, cOff, cols);
        }
        long dense = w.denseBytesPerProduct();
        weightBytesRead.add(kernel == SpikeKernel.DENSE_INT8 ? dense : dense * (cols - silent) / cols);
        int parts = Math.min(pool.threads(), w.groups());
        if (parts > 1) {
            byGroups(w, list, kernel, vth, y, yOff, parts);
            return kernel;
        }
        // the INT8 kernels take row ranges on whole Int8Weights.TILEs
        pool.parallelFor(w.rows(), Int8Weights.TILE, (start, end) -> {
            if (kernel == SpikeKernel.SPARSE_EVENTS) {
                SpikeMatVec.sparse(w, list, vth, y, yOff, start, end);
            } else {
                Int8MatVec.dense(w, list, vth, y, yOff, start, end);
            }
        });
        return kernel;
    }

    /**
     * The product with the threads splitting the listed channels (by scale group, balanced by count)
     * instead of the rows: each streams whole channel runs into its own copy of y, summed here. With rows
     * split each thread would read half of every run, which costs the event kernel most of its advantage
     * (docs/PERFORMANCE.md, design measurements; see SpikeMatVec.sparseGroups).
     */
    private void byGroups(Int8Weights w, ChannelList list, SpikeKernel kernel, float vth, float[] y, int yOff, int parts) {
        byParts(w.rows(), parts, y, yOff, (p, out, off) -> {
            int g0 = list.splitGroup(parts, p);
            int g1 = list.splitGroup(parts, p + 1);
            if (kernel == SpikeKernel.SPARSE_EVENTS) {
                SpikeMatVec.sparseGroups(w, list, vth, out, off, g0, g1);
            } else {
                Int8MatVec.denseGroups(w, list, vth, out, off, g0, g1);
            }
        });
    }

    /** One thread's share of a product split by input channels: writes its part of y into out[off .. off + rows). */
    private interface PartProduct {
        void run(int part, float[] out, int off);
    }

    /**
     * Runs parts [0, parts) of a product split by input channels on the pool, part 0 into y and the others
     * into per-thread partial outputs, then adds the partials into y (in part order).
     */
    private void byParts(int rows, int parts, float[] y, int yOff, PartProduct product) {
        float[][] partial = partials.get();
        if (partial.length < parts - 1 || partial[0].length < rows) {
            partial = new float[parts - 1][rows];
            partials.set(partial);
        }
        float[][] part = partial;
        pool.parallelFor(parts, 1, (start, end) -> {
            for (int p = start; p < end; p++) {
                product.run(p, p == 0 ? y : part[p - 1], p == 0 ? yOff : 0);
            }
        });
        for (int p = 0; p < parts - 1; p++) {
            float[] q = part[p];
            for (int r = 0; r < rows; r++) {
                y[yOff + r] += q[r];
            }
        }
    }

    public void int8Linear(Int8Weights w, float[] x, int xOff, float[] y, int yOff) {
        Objects.checkFromIndexSize(xOff, w.cols(), x.length);
        weightBytesRead.add(w.denseBytesPerProduct());
        int parts = Math.min(pool.threads(), w.groups());
        if (parts > 1) {
            // threads take equal shares of the scale groups and stream whole runs, as the spike products do
            byParts(w.rows(), parts, y, yOff, (p, out, off) ->
                    Int8MatVec.denseFloatGroups(w, x, xOff, out, off, w.groups() * p / parts, w.groups() * (p + 1) / parts));
            return;
        }
        pool.parallelFor(w.rows(), Int8Weights.TILE, (start, end) -> Int8MatVec.denseFloat(w, x, xOff, y, yOff, start, end));
    }

    /**
     * Tokens from which {@link #spikeLinearBatch} uses the batched kernel ({@link Tuning#spikeBatchFromTokens});
     * smaller batches go token by token. A tile of tokens reads the channels active in any of its tokens, so it
     * loses the per-token event kernel's skipping where tokens are silent on different channels, and the piece
     * conversion pays off over many tokens. {@link #int8LinearBatch} has no such loss and batches from 2 tokens.
     * Measurements: docs/PERFORMANCE.md, batched prefill.
     */
    private volatile int spikeBatchFromTokens;

    /** Sets the tokens from which {@link #spikeLinearBatch} uses the batched kernel (at most 1: always; Integer.MAX_VALUE: never). */
    public CpuBackend spikeBatchFromTokens(int tokens) {
        this.spikeBatchFromTokens = tokens;
        return this;
    }

    /** Per caller thread: a batch's tiles, listed once and shared by the threads. */
    private final ThreadLocal<SpikeTileList> tileLists = ThreadLocal.withInitial(SpikeTileList::new);

    /**
     * The batch through {@link SpikeMatMul}: tokens in tiles, each tile streaming the runs of the channels
     * active in any of its tokens once, the threads splitting the rows (so each token's result does not
     * depend on the thread count, and equals one-thread spikeLinear's bit for bit). Batches of fewer than
     * {@link #spikeBatchFromTokens} tokens go token by token through {@link #spikeLinear}. Bytes read: per tile, the
     * listed channels' share of the matrix (a tile computed token by token, see SpikeMatMul, counts each
     * token's share).
     */
    public SpikeKernel[] spikeLinearBatch(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff) {
        checkBatch("spikeLinearBatch", tokens, vth.length);
        if (tokens == 1 || tokens < spikeBatchFromTokens) {
            SpikeKernel[] used = new SpikeKernel[tokens];
            for (int t = 0; t < tokens; t++) {
                used[t] = spikeLinear(w, counts, cOff + t * w.cols(), vth[t], y, yOff + t * w.rows());
            }
            return used;
        }
        int cols = w.cols();
        Objects.checkFromToIndex(yOff, Math.addExact(yOff, Math.multiplyExact(tokens, w.rows())), y.length);
        if (vendor != null && vendor.exactInt8() && tokens >= tuning.vendorFromTokens()
                && GroupSumProduct.fitsInt8(counts, cOff, Math.multiplyExact(tokens, cols))) {
            // the same group sums from oneDNN's INT8 matmul, the same float steps: the same bits
            vendorProducts.increment();
            vendor.spikeProduct(w, counts, cOff, vth, tokens, y, yOff, pool);
            weightBytesRead.add(w.denseBytesPerProduct());
            SpikeKernel[] used = new SpikeKernel[tokens];
            java.util.Arrays.fill(used, SpikeKernel.INT8_GEMM);
            return used;
        }
        SpikeTileList list = tileLists.get().list(counts, cOff, cols, tokens, tuning.batchTileTokens());
        SpikeKernel[] used = new SpikeKernel[tokens];
        long dense = w.denseBytesPerProduct();
        long bytes = 0;
        for (int i = 0; i < list.tiles(); i++) {
            int t0 = list.tileStart(i);
            int union = list.unionSize(i);
            SpikeKernel kernel = union == cols ? SpikeKernel.DENSE_INT8 : SpikeKernel.SPARSE_EVENTS;
            for (int t = t0; t < t0 + list.tileSize(i); t++) {
                used[t] = list.exactInFloat(i) ? kernel
                        : list.activeCount(t) == cols ? SpikeKernel.DENSE_INT8 : SpikeKernel.SPARSE_EVENTS;
                bytes += list.exactInFloat(i) ? 0 : dense * list.activeCount(t) / cols;
            }
            bytes += list.exactInFloat(i) ? dense * union / cols : 0;
        }
        weightBytesRead.add(bytes);
        pool.parallelFor(w.rows(), Int8Weights.TILE, (start, end) -> SpikeMatMul.sparse(w, list, vth, y, yOff, start, end,
                tuning.batchFloatOnly()));
        return used;
    }

    /**
     * The batch at the backend's {@link #precision()} (BF16: the activations rounded to BF16 first, as {@link #linear});
     * through oneDNN where it takes the product ({@link OneDnnProducts#int8FloatProduct}: FP32-accurate, not bit-identical
     * to the Vector API kernel), else through {@link Int8MatMul}, threads splitting the rows, the matrix read once per
     * tile of tokens. One token goes through {@link #int8Linear}.
     */
    public void int8LinearBatch(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        checkBatch("int8LinearBatch", tokens, tokens);
        if (tokens == 1) {
            int8Linear(w, x, xOff, y, yOff);
            return;
        }
        Objects.checkFromIndexSize(xOff, Math.multiplyExact(tokens, w.cols()), x.length);
        Objects.checkFromToIndex(yOff, Math.addExact(yOff, Math.multiplyExact(tokens, w.rows())), y.length);
        boolean bf16Activations = precision == Precision.BF16;
        if (usesVendorInt8FloatProducts() && tokens >= Math.max(tuning.vendorFromTokens(), INT8_FLOAT_VENDOR_FROM_TOKENS)) {
            weightBytesRead.add(w.denseBytesPerProduct());
            vendorProducts.increment();
            vendor.int8FloatProduct(w, x, xOff, tokens, y, yOff, bf16Activations, pool);
            return;
        }
        float[] in = bf16Activations ? bf16Rounded(x, xOff, tokens * w.cols()) : x;
        int inOff = bf16Activations ? 0 : xOff;
        int tileTokens = tuning.batchTileTokens();
        int tiles = (tokens + tileTokens - 1) / tileTokens;
        weightBytesRead.add(w.denseBytesPerProduct() * tiles);
        pool.parallelFor(w.rows(), Int8Weights.TILE, (start, end) -> Int8MatMul.denseFloat(w, in, inOff, tokens, y, yOff, start, end,
                tileTokens));
    }

    /**
     * Tokens from which {@link #int8LinearBatch} goes to oneDNN: it rebuilds the weight in BF16 parts for every product,
     * which costs as much as the Vector API's product of about 64 tokens (7B down_proj, 2 threads: 0.55x at 32 tokens,
     * 1.07x at 64, 1.66x at 128; docs/PERFORMANCE.md, "CPU vendor math"), so a batched decode step stays on the Vector API.
     */
    public static final int INT8_FLOAT_VENDOR_FROM_TOKENS = 64;

    /** Checks a batch's token count (at least 1) against the thresholds given (at least one per token). */
    static void checkBatch(String who, int tokens, int thresholds) {
        if (tokens < 1) {
            throw new IllegalArgumentException(who + ": tokens must be at least 1, got " + tokens);
        }
        if (thresholds < tokens) {
            throw new IllegalArgumentException(who + ": " + thresholds + " thresholds vth for " + tokens + " tokens");
        }
    }

    // ---- the model's operators (Backend) over the kernels above and the Vector API kernels ----

    /** Prefill chunk of a session on the CPU's Vector API kernels. */
    public static final int DEFAULT_CHUNK = 64;

    /**
     * Prefill chunk where oneDNN takes the products: its AMX kernels run a 256-row product at about twice the rate
     * of a 64-row one (docs/PERFORMANCE.md, "CPU vendor math"); a session's workspace grows with the chunk (the
     * 7B's activations of a 256-row chunk are about 60 MB of heap).
     */
    public static final int VENDOR_CHUNK = 256;

    @Override
    public int defaultChunk() {
        return vendor != null ? VENDOR_CHUNK : DEFAULT_CHUNK;
    }

    @Override
    public boolean deviceMemory() {
        return false;
    }

    @Override
    public boolean runsFloatSpikeForm() {
        return true;
    }

    /** F32 and BF16 ({@link KvRing}). */
    @Override
    public boolean holdsKvCache(KvPrecision precision) {
        return true;
    }

    @Override
    public Memory newMemory(String owner) {
        return new HeapMemory(this, owner);
    }

    @Override
    public void upload(int[] ids, int from, int count, Ints dst) {
        System.arraycopy(ids, from, ((HeapInts) dst).array(), 0, count);
    }

    @Override
    public void upload(float[] src, int from, int count, Floats dst) {
        HeapFloats d = HeapFloats.of(dst, "upload");
        System.arraycopy(src, from, d.array(), d.offset(), count);
    }

    @Override
    public void download(Floats src, int count, float[] dst, int dstOff) {
        HeapFloats s = HeapFloats.of(src, "download");
        System.arraycopy(s.array(), s.offset(), dst, dstOff, count);
    }

    @Override
    public void download(Spikes src, int rows, int width, int[] counts, float[] vth) {
        HeapSpikes s = (HeapSpikes) src;
        System.arraycopy(s.counts(), 0, counts, 0, rows * width);
        System.arraycopy(s.vth(), 0, vth, 0, rows);
    }

    @Override
    public void embed(Matrix table, Ints ids, int count, Floats out) {
        Tensor t = ((HostMatrix) table).tensor();
        int[] id = ((HeapInts) ids).array();
        HeapFloats o = HeapFloats.of(out, "embed");
        int cols = table.cols();
        for (int r = 0; r < count; r++) {
            Rows.copyRow(t, id[r], o.array(), o.offset() + r * cols);
        }
    }

    @Override
    public void rmsnorm(Floats x, WeightVector w, Floats out, int n, int rows, float eps) {
        HeapFloats a = HeapFloats.of(x, "rmsnorm x"), o = HeapFloats.of(out, "rmsnorm out");
        float[] weight = ((HostVector) w).values();
        for (int r = 0; r < rows; r++) {
            RmsNorm.apply(a.array(), a.offset() + r * n, weight, 0, o.array(), o.offset() + r * n, n, eps);
        }
    }

    @Override
    public void add(Floats x, Floats y, int n) {
        HeapFloats a = HeapFloats.of(x, "add x"), b = HeapFloats.of(y, "add y");
        float[] xa = a.array(), ya = b.array();
        int xo = a.offset(), yo = b.offset();
        for (int i = 0; i < n; i++) {
            xa[xo + i] += ya[yo + i];
        }
    }

    @Override
    public void siluMul(Floats gate, Floats up, Floats out, int n) {
        HeapFloats g = HeapFloats.of(gate, "siluMul gate"), u = HeapFloats.of(up, "siluMul up"), o = HeapFloats.of(out, "siluMul out");
        SwiGlu.siluMul(g.array(), g.offset(), u.array(), u.offset(), o.array(), o.offset(), n);
    }

    @Override
    public void biasAct(Floats y, WeightVector bias, int n, int rows, Activation act, float divisor) {
        HeapFloats h = HeapFloats.of(y, "biasAct");
        float[] a = h.array();
        int off = h.offset();
        if (bias != null) {
            float[] b = ((HostVector) bias).values();
            for (int r = 0; r < rows; r++) {
                int row = off + r * n;
                for (int i = 0; i < n; i++) {
                    a[row + i] += b[i];
                }
            }
        }
        switch (act) {
            case NONE -> { }
            case RELU -> Activations.relu(a, off, rows * n);
            case LOG_SIGMOID -> Activations.logSigmoid(a, off, rows * n, divisor);
        }
    }

    @Override
    public void linear(Matrix w, Floats x, int rows, Floats y) {
        HeapFloats a = HeapFloats.of(x, w.name(), " input"), o = HeapFloats.of(y, w.name(), " output");
        linear(((HostMatrix) w).tensor(), a.array(), a.offset(), rows, o.array(), o.offset());
    }

    @Override
    public boolean multipliesQuantizedWeights() {
        return true;
    }

    @Override
    public void quantLinear(QuantMatrix w, Floats x, int rows, Floats y) {
        HeapFloats a = HeapFloats.of(x, w.name(), " input"), o = HeapFloats.of(y, w.name(), " output");
        quantLinear(((HostQuantMatrix) w).weights(), a.array(), a.offset(), rows, o.array(), o.offset());
    }

    /**
     * y[t] = W x[t] for {@code tokens} rows, W weights quantised at load: the Vector API kernels, which give the
     * bits of {@link #linear} on the dequantised F32 matrix; over several tokens at the backend's {@link #precision()}.
     */
    public void quantLinear(QuantWeights w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        int rows = w.rows();
        weightBytesRead.add(w.byteSize());
        if (tokens == 1) {
            pool.parallelFor(rows, ROW_GRAIN, (start, end) -> QuantMatVec.multiply(w, x, xOff, y, yOff, start, end));
            return;
        }
        boolean bf16Activations = precision == Precision.BF16;
        float[] in = bf16Activations ? bf16Rounded(x, xOff, tokens * w.cols()) : x;
        int inOff = bf16Activations ? 0 : xOff;
        pool.parallelFor(rows, ROW_GRAIN, (start, end) -> MatMul.quantized(w, in, inOff, w.cols(), tokens, y, yOff, rows, start, end));
    }

    @Override
    public void int8Linear(Int8Matrix w, Floats x, int rows, Floats y) {
        Int8Weights codes = ((HostInt8Matrix) w).weights();
        HeapFloats a = HeapFloats.of(x, w.name(), " input"), o = HeapFloats.of(y, w.name(), " output");
        if (rows == 1) {
            int8Linear(codes, a.array(), a.offset(), o.array(), o.offset());
        } else {
            int8LinearBatch(codes, a.array(), a.offset(), rows, o.array(), o.offset());
        }
    }

    @Override
    public void spikeEncode(Floats x, int n, float k, int rows, Spikes out) {
        HeapFloats a = HeapFloats.of(x, "spikeEncode");
        HeapSpikes s = (HeapSpikes) out;
        if (rows > s.rows() || n > s.width()) {
            throw new IllegalArgumentException("spikeEncode: " + rows + " rows of " + n + " features into spike buffers of "
                    + s.rows() + " x " + s.width());
        }
        for (int r = 0; r < rows; r++) {
            s.vth()[r] = SpikeCounts.encode(a.array(), a.offset() + r * n, n, k, s.counts(), r * n);
        }
    }

    @Override
    public SpikeKernel[] spikeLinear(Int8Matrix w, Spikes spikes, int rows, Floats y) {
        HostInt8Matrix m = (HostInt8Matrix) w;
        HeapSpikes s = (HeapSpikes) spikes;
        HeapFloats o = HeapFloats.of(y, w.name(), " output");
        int in = w.cols();
        if (m.weights() == null) {
            fakeQuantizedProduct(m.fakeQuantized(), s, in, rows, o.array(), o.offset(), w.rows());
            return new SpikeKernel[rows];
        }
        requireCountsInRange(w.name(), s.counts(), rows * in, in);
        if (rows == 1) {
            return new SpikeKernel[] {spikeLinear(m.weights(), s.counts(), 0, s.vth()[0], o.array(), o.offset())};
        }
        // one batch: the weights stream once per tile of tokens, not once per token
        return spikeLinearBatch(m.weights(), s.counts(), 0, s.vth(), rows, o.array(), o.offset());
    }

    /** The float twin: W' (code x scale, F32) times the counts as small exact floats, then vth per row. */
    private void fakeQuantizedProduct(Tensor quantized, HeapSpikes s, int in, int rows, float[] y, int yOff, int out) {
        float[] asFloats = new float[rows * in];
        int[] counts = s.counts();
        for (int i = 0; i < asFloats.length; i++) {
            asFloats[i] = counts[i];
        }
        product(quantized, asFloats, 0, rows, y, yOff);
        for (int r = 0; r < rows; r++) {
            float vth = s.vth()[r];
            int row = yOff + r * out;
            for (int i = 0; i < out; i++) {
                y[row + i] *= vth;
            }
        }
    }

    /**
     * The integer kernels sum int8 codes times counts in int32, so a count beyond
     * {@link Int8Weights#MAX_ABS_COUNT} cannot be computed: it comes from an input far out of any trained
     * range (or infinite, whose count saturates at Integer.MAX_VALUE), which non-finite or absurd weights
     * produce. Refused naming the projection instead of failing inside a kernel.
     */
    private static void requireCountsInRange(String name, int[] counts, int n, int in) {
        int max = Int8Weights.MAX_ABS_COUNT;
        for (int i = 0; i < n; i++) {
            if (counts[i] > max || counts[i] < -max) {
                throw new NumericalFaultException(name + ": spike count " + counts[i] + " of input channel " + i % in
                        + " (token " + i / in + " of the batch) exceeds +-" + max
                        + ": its input is non-finite or far out of range; the checkpoint's weights are likely corrupt"
                        + " (load with weight checking to find non-finite ones)");
            }
        }
    }

    @Override
    public void spikeQuantize(Floats x, int n, float k, int rows) {
        HeapFloats a = HeapFloats.of(x, "spikeQuantize");
        int[] counts = new int[n];
        for (int r = 0; r < rows; r++) {
            SpikeQuantizer.spikeInPlace(a.array(), a.offset() + r * n, n, k, counts);
        }
    }

    @Override
    public void int8Quantize(Floats x, int n, int rows) {
        HeapFloats a = HeapFloats.of(x, "int8Quantize");
        for (int r = 0; r < rows; r++) {
            SpikeQuantizer.int8InPlace(a.array(), a.offset() + r * n, n);
        }
    }

    @Override
    public void ropeAngles(Floats cos, Floats sin, long pos0, int tokens, int headDim, double theta) {
        HeapFloats c = HeapFloats.of(cos, "ropeAngles cos"), s = HeapFloats.of(sin, "ropeAngles sin");
        int half = headDim / 2;
        for (int t = 0; t < tokens; t++) {
            Rope.angles(pos0 + t, theta, headDim, c.array(), c.offset() + t * half, s.array(), s.offset() + t * half);
        }
    }

    @Override
    public void rope(Floats x, Floats cos, Floats sin, int tokens, int heads, int headDim, int ld) {
        HeapFloats a = HeapFloats.of(x, "rope"), c = HeapFloats.of(cos, "rope cos"), s = HeapFloats.of(sin, "rope sin");
        int half = headDim / 2;
        for (int t = 0; t < tokens; t++) {
            Rope.rotateHalf(a.array(), a.offset() + t * ld, heads, headDim, c.array(), c.offset() + t * half, s.array(),
                    s.offset() + t * half);
        }
    }

    /** The kv heads run in parallel; one token takes {@link GlaStep}, a chunk {@link GlaChunk}. */
    @Override
    public void gla(GlaState state, Floats q, Floats k, Floats v, Floats g, Floats out, int tokens, int group, float scale) {
        float[] s = ((HeapGlaState) state).s();
        int d = state.headDim();
        int kvHeads = state.kvHeads();
        int qRow = kvHeads * group * d;
        int kvRow = kvHeads * d;
        HeapFloats hq = HeapFloats.of(q, "gla q"), hk = HeapFloats.of(k, "gla k"), hv = HeapFloats.of(v, "gla v"),
                hg = HeapFloats.of(g, "gla g"), ho = HeapFloats.of(out, "gla out");
        pool.parallelFor(kvHeads, (first, end) -> {
            for (int j = first; j < end; j++) {
                int sOff = j * d * d;
                int qOff = j * group * d;
                if (tokens == 1) {
                    GlaStep.update(s, sOff, d, hk.array(), hk.offset() + j * d, hv.array(), hv.offset() + j * d,
                            hg.array(), hg.offset() + j * d);
                    for (int n = 0; n < group; n++) {
                        GlaStep.readout(s, sOff, d, hq.array(), hq.offset() + qOff + n * d, scale, ho.array(),
                                ho.offset() + qOff + n * d);
                    }
                } else {
                    GlaChunk.prefill(s, sOff, d, group, tokens, scale,
                            hq.array(), hq.offset() + qOff, qRow, hk.array(), hk.offset() + j * d, kvRow,
                            hv.array(), hv.offset() + j * d, kvRow, hg.array(), hg.offset() + j * d, kvRow,
                            ho.array(), ho.offset() + qOff, qRow);
                }
            }
        });
    }

    /**
     * A decode step stores its key and value and attends the ring ({@link SlidingWindowAttention#attendGroup}). A
     * chunk attends in tiles ({@link AttentionTiles}): positions before the chunk from the ring, the chunk's own from
     * its rows (as the ring would hold them), and its keys and values enter the ring afterwards, so the ring never
     * needs more than W + 1 slots; it grows with the positions seen before the kv heads run in parallel.
     */
    @Override
    public void swa(KvCache cache, Floats q, Floats k, Floats v, Floats out, int tokens, long pos0, int group, float scale) {
        if (tokens < 1) {
            throw new IllegalArgumentException("swa: " + tokens + " tokens");
        }
        KvRing ring = (KvRing) cache;
        int d = ring.headDim();
        int kvHeads = ring.kvHeads();
        long window = ring.window() - 1L;
        HeapFloats hq = HeapFloats.of(q, "swa q"), hk = HeapFloats.of(k, "swa k"), hv = HeapFloats.of(v, "swa v"),
                ho = HeapFloats.of(out, "swa out");
        ring.ensurePositions(pos0 + tokens);
        if (tokens > 1) {
            pool.parallelFor(kvHeads, (first, end) -> {
                for (int j = first; j < end; j++) {
                    attendChunk(ring, j, hq, hk, hv, ho, tokens, pos0, group, scale);
                }
            });
            return;
        }
        long firstPos = Math.max(0, pos0 - window);
        pool.parallelFor(kvHeads, (first, end) -> {
            for (int j = first; j < end; j++) {
                ring.store(ring.slotOffset(j, pos0), hk.array(), hk.offset() + j * d, hv.array(), hv.offset() + j * d);
                // the group's query heads together: the window's keys and values read once per block of heads
                int head = j * group * d;
                float[] scores = ring.scores(j, group);
                if (ring.precision() == KvPrecision.F32) {
                    SlidingWindowAttention.attendGroup(hq.array(), hq.offset() + head, group, d, scale, ring.keys(),
                            ring.values(), ring.headOffset(j), ring.capacity(), firstPos, pos0, scores, ho.array(),
                            ho.offset() + head);
                } else {
                    SlidingWindowAttentionBf16.attendGroup(hq.array(), hq.offset() + head, group, d, scale,
                            ring.keyBits(), ring.valueBits(), ring.headOffset(j), ring.capacity(), firstPos, pos0,
                            scores, ho.array(), ho.offset() + head);
                }
            }
        });
    }

    /**
     * A chunk of {@code tokens} tokens of kv head {@code j} attends in tiles; the keys and values of positions before
     * the chunk come from the ring, the chunk's own from its rows as the ring holds them (rounded in a BF16 ring),
     * and then the chunk's last W + 1 enter the ring.
     */
    private static void attendChunk(KvRing ring, int j, HeapFloats q, HeapFloats k, HeapFloats v, HeapFloats out,
                                    int tokens, long pos0, int group, float scale) {
        int d = ring.headDim();
        int qRow = ring.kvHeads() * group * d;
        int kvRow = ring.kvHeads() * d;
        AttentionTiles.attend(q.array(), q.offset() + j * group * d, qRow, group, d, scale, tokens, pos0,
                ring.window() - 1L, (from, count, kt, vt) -> {
                    for (int i = 0; i < count; i++) {
                        long pos = from + i;
                        if (pos < pos0) {
                            ring.read(ring.slotOffset(j, pos), kt, i, AttentionTiles.KEYS, vt, i * d);
                            continue;
                        }
                        int row = (int) (pos - pos0) * kvRow + j * d;
                        for (int c = 0; c < d; c++) {
                            kt[c * AttentionTiles.KEYS + i] = ring.held(k.array()[k.offset() + row + c]);
                            vt[i * d + c] = ring.held(v.array()[v.offset() + row + c]);
                        }
                    }
                }, out.array(), out.offset() + j * group * d, qRow);
        for (int t = Math.max(0, tokens - ring.capacity()); t < tokens; t++) {
            ring.store(ring.slotOffset(j, pos0 + t), k.array(), k.offset() + t * kvRow + j * d, v.array(),
                    v.offset() + t * kvRow + j * d);
        }
    }

    /** Array copies: the GLA state whole, an SWA ring's kept positions in one or two runs per kv head. */
    @Override
    public float[] saveState(RecurrentState state, long position) {
        float[] image = new float[Math.toIntExact(StateImage.floats(state, position))];
        switch (state) {
            case HeapGlaState g -> System.arraycopy(g.s(), 0, image, 0, image.length);
            case KvRing ring -> copyRing(ring, position, image, true);
            default -> throw new IllegalArgumentException("saveState: not a CPU state (" + state + ")");
        }
        return image;
    }

    /** A ring first grows to hold {@code position} positions where it can (as if they had run), then takes them. */
    @Override
    public void loadState(float[] image, long position, RecurrentState state) {
        StateImage.checkLength(image, state, position);
        switch (state) {
            case HeapGlaState g -> System.arraycopy(image, 0, g.s(), 0, image.length);
            case KvRing ring -> {
                ring.ensurePositions(position);
                copyRing(ring, position, image, false);
            }
            default -> throw new IllegalArgumentException("loadState: not a CPU state (" + state + ")");
        }
    }

    /** Keys then values of the image's positions ({@link StateImage}), from the ring or into it. */
    private static void copyRing(KvRing ring, long position, float[] image, boolean save) {
        int d = ring.headDim();
        int n = StateImage.keptPositions(ring, position);
        int half = ring.kvHeads() * n * d; // the keys' floats; the values follow
        for (int j = 0; j < ring.kvHeads(); j++) {
            int head = j * n * d;
            int ringHead = ring.headOffset(j);
            StateImage.runs(position, n, ring.capacity(), (index, slot, count) -> {
                int at = head + index * d;
                ring.copy(ringHead + slot * d, image, at, half + at, count * d, save);
            });
        }
    }

    @Override
    public long weightBytesRead() {
        return weightBytesRead.sum();
    }

    @Override
    public void close() {
        try {
            if (vendor != null) {
                vendor.close();
            }
        } finally {
            if (ownsPool) {
                pool.close();
            }
        }
    }
}
