package io.spikert.runtime.backend;

import io.spikert.kernels.MatMul;
import io.spikert.kernels.MatVec;
import io.spikert.kernels.spike.ChannelList;
import io.spikert.kernels.spike.Int8MatMul;
import io.spikert.kernels.spike.Int8MatVec;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeMatMul;
import io.spikert.kernels.spike.SpikeMatVec;
import io.spikert.kernels.spike.SpikeTileList;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.VectorApi;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs products with the Vector API kernels across the runtime's compute pool: rows split between the
 * threads, except the spike-count INT8 products, whose threads split the input channels (see byGroups).
 */
public final class CpuBackend implements Backend {
    /** Rows per split unit: keeps each thread's slice of a weight matrix on whole cache lines. */
    private static final int ROW_GRAIN = 16;

    private final ComputePool pool;
    private final boolean ownsPool;
    private final LongAdder weightBytesRead = new LongAdder();

    public CpuBackend(int threads) {
        this(new ComputePool(threads), true);
    }

    public CpuBackend(ComputePool pool, boolean ownsPool) {
        VectorApi.require();
        this.pool = pool;
        this.ownsPool = ownsPool;
    }

    @Override
    public String name() {
        return "cpu (" + pool.threads() + " threads, " + VectorApi.describe() + ")";
    }

    @Override
    public ComputePool pool() {
        return pool;
    }

    @Override
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

    @Override
    public void linear(Tensor w, float[] x, int xOff, int tokens, float[] y, int yOff) {
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
     * Silent-channel share from which the event-driven kernel is used. Both kernels stream the same
     * channel blocks of Int8Weights, and the event kernel skips a silent channel's whole run, so it is
     * as fast as the dense one with no silent channel (the same walk plus listing the channels) and
     * faster from the first few percent. SpikeMatVecRatios on the development machine (AVX-512, 3584 x 3584
     * and 18944 x 3584, 1 and 2 threads) measured dense/sparse time ratios of 0.97-1.03 at 0% silent,
     * 1.06-1.15 at 18.4%, 1.52-1.98 at 50% and 2.4-4.9 at 69%, so the crossover is near 0; 5% keeps the
     * dense kernel for inputs where nothing is skipped.
     * Other CPUs can set the system property {@code spikert.spike.sparseFromSilentShare}.
     */
    public static final double DEFAULT_SPARSE_FROM_SILENT_SHARE =
            Double.parseDouble(System.getProperty("spikert.spike.sparseFromSilentShare", "0.05"));

    /** Per caller thread: spikeLinear may be called from several threads at once (their regions then run in turn). */
    private final ThreadLocal<ChannelList> channelLists = ThreadLocal.withInitial(ChannelList::new);

    /** Per caller thread: the other threads' parts of a product split by channels (byGroups). */
    private final ThreadLocal<float[][]> partials = ThreadLocal.withInitial(() -> new float[0][0]);

    private volatile double sparseFromSilentShare = DEFAULT_SPARSE_FROM_SILENT_SHARE;

    /** Sets the silent-channel share from which {@link #spikeLinear} uses the event-driven kernel (above 1: never). */
    public CpuBackend sparseFromSilentShare(double share) {
        if (!(share >= 0)) {
            throw new IllegalArgumentException("silent share must be >= 0, got " + share);
        }
        this.sparseFromSilentShare = share;
        return this;
    }

    @Override
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
     * split each thread read half of every run: SpikeMatVecRatios (2 threads, 50% silent) measured the
     * event kernel 25-35% slower on 3584 x 3584 and 8% on 18944 x 3584, the dense one 4-20%, and the
     * event kernel only 1.5-1.6x as fast as the dense one on 3584 x 3584; see SpikeMatVec.sparseGroups.
     */
    private void byGroups(Int8Weights w, ChannelList list, SpikeKernel kernel, float vth, float[] y, int yOff, int parts) {
        int rows = w.rows();
        float[][] partial = partials.get();
        if (partial.length < parts - 1 || partial[0].length < rows) {
            partial = new float[parts - 1][rows];
            partials.set(partial);
        }
        float[][] part = partial;
        pool.parallelFor(parts, 1, (start, end) -> {
            for (int p = start; p < end; p++) {
                int g0 = list.splitGroup(parts, p);
                int g1 = list.splitGroup(parts, p + 1);
                float[] out = p == 0 ? y : part[p - 1];
                int off = p == 0 ? yOff : 0;
                if (kernel == SpikeKernel.SPARSE_EVENTS) {
                    SpikeMatVec.sparseGroups(w, list, vth, out, off, g0, g1);
                } else {
                    Int8MatVec.denseGroups(w, list, vth, out, off, g0, g1);
                }
            }
        });
        for (int p = 0; p < parts - 1; p++) {
            float[] q = part[p];
            for (int r = 0; r < rows; r++) {
                y[yOff + r] += q[r];
            }
        }
    }

    @Override
    public void int8Linear(Int8Weights w, float[] x, int xOff, float[] y, int yOff) {
        Objects.checkFromIndexSize(xOff, w.cols(), x.length);
        weightBytesRead.add(w.denseBytesPerProduct());
        pool.parallelFor(w.rows(), Int8Weights.TILE, (start, end) -> Int8MatVec.denseFloat(w, x, xOff, y, yOff, start, end));
    }

    /**
     * Tokens from which {@link #spikeLinearBatch} uses the batched kernel; smaller batches go token by
     * token. A tile of tokens reads the channels active in any of its tokens, so it loses the per-token
     * event kernel's skipping where tokens are silent on different channels, and the piece conversion
     * pays off over many tokens. Bench SpikeMatMulRatios on the development machine (a loaded host; per-token
     * time / batched time, counts silent on independent random channels per token): 8 tokens 0.61-1.33x,
     * 32 tokens 0.88-2.14x (3584 x 3584 and 18944 x 3584, 1 and 2 threads, 18.4% and 50% silent); see
     * README. {@link #int8LinearBatch} has no such loss and batches from 2 tokens (1.24-2.46x at 8 and 32).
     * Other machines can set the system property {@code spikert.spike.batchFromTokens}.
     */
    public static final int DEFAULT_SPIKE_BATCH_FROM_TOKENS = Integer.getInteger("spikert.spike.batchFromTokens", 16);

    private volatile int spikeBatchFromTokens = DEFAULT_SPIKE_BATCH_FROM_TOKENS;

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
    @Override
    public SpikeKernel[] spikeLinearBatch(Int8Weights w, int[] counts, int cOff, float[] vth, int tokens, float[] y, int yOff) {
        Backend.checkBatch("spikeLinearBatch", tokens, vth.length);
        if (tokens == 1 || tokens < spikeBatchFromTokens) {
            return Backend.super.spikeLinearBatch(w, counts, cOff, vth, tokens, y, yOff);
        }
        int cols = w.cols();
        Objects.checkFromToIndex(yOff, Math.addExact(yOff, Math.multiplyExact(tokens, w.rows())), y.length);
        SpikeTileList list = tileLists.get().list(counts, cOff, cols, tokens);
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
        pool.parallelFor(w.rows(), Int8Weights.TILE, (start, end) -> SpikeMatMul.sparse(w, list, vth, y, yOff, start, end));
        return used;
    }

    /**
     * The batch through {@link Int8MatMul}, threads splitting the rows; the matrix is read once per tile of
     * tokens. One token goes through {@link #int8Linear}.
     */
    @Override
    public void int8LinearBatch(Int8Weights w, float[] x, int xOff, int tokens, float[] y, int yOff) {
        Backend.checkBatch("int8LinearBatch", tokens, tokens);
        if (tokens == 1) {
            int8Linear(w, x, xOff, y, yOff);
            return;
        }
        Objects.checkFromIndexSize(xOff, Math.multiplyExact(tokens, w.cols()), x.length);
        Objects.checkFromToIndex(yOff, Math.addExact(yOff, Math.multiplyExact(tokens, w.rows())), y.length);
        int tiles = (tokens + Int8MatMul.tileTokens() - 1) / Int8MatMul.tileTokens();
        weightBytesRead.add(w.denseBytesPerProduct() * tiles);
        pool.parallelFor(w.rows(), Int8Weights.TILE, (start, end) -> Int8MatMul.denseFloat(w, x, xOff, tokens, y, yOff, start, end));
    }

    @Override
    public long weightBytesRead() {
        return weightBytesRead.sum();
    }

    @Override
    public void close() {
        if (ownsPool) {
            pool.close();
        }
    }
}
