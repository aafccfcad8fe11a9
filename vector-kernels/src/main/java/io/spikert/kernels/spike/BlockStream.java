package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.I;
import static io.spikert.kernels.spike.Int8MatVec.toFloat;
import static io.spikert.kernels.spike.Int8MatVec.widen;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The walk shared by the dense and event-driven INT8 products over {@link Int8Weights}' channel
 * blocks: per block and scale group, the listed channels' runs are streamed front to back, CH at a time,
 * into group sums for the block's rows held in per-thread arrays (L1/L2-resident), which then take the
 * group's scales into per-row float results. Each run is read sequentially and a channel not listed is
 * skipped whole, which is what lets the hardware prefetchers follow only the runs used. Walking TILE
 * rows at a time across the group's runs instead, with the sums in registers, is slower: each run is then
 * read 128 bytes at a time, strided, and the prefetchers fall behind.
 *
 * <p>Four channels whose |count| is at most {@value #SHORT_COUNT} (all but about 1% of realistic counts)
 * are multiplied and summed in int16 lanes, twice the lanes per instruction, and widened to int once. That
 * speeds the walk where the weights are cache-resident; from DRAM it is memory-bound either way.
 *
 * <p>Tried and dropped (slower or unstable): touch-ahead loads in each run, summing many channels in an
 * L1-resident int16 array before widening, and 256-row channel blocks with the sums in registers (skipping
 * 256-byte pieces defeats the prefetchers the way the old 128-byte tiles did). Streaming whole runs stays
 * the best event-driven walk. The measurements are in docs/PERFORMANCE.md, "Design measurements".
 */
final class BlockStream {
    private BlockStream() {}

    private static final int L = I.length();
    private static final int TILE = Int8Weights.TILE;
    /**
     * Channels per pass over a run: one load and store of the group sums per CH channels. Fewer passes
     * more often over the sums (slower); more streams at once help neither kernel (docs/PERFORMANCE.md).
     */
    private static final int CH = 4;
    /** Largest |count| for which four int8 products and their sum fit an int16 lane. */
    private static final int SHORT_COUNT = Short.MAX_VALUE / (CH * Int8Weights.MAX_INT8_CODE);
    /** Shorts of one int vector's bit size (twice the lanes), and the bytes that widen into them. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, I.vectorShape());
    private static final VectorSpecies<Byte> B2 = VectorSpecies.of(byte.class, VectorShape.forBitSize(I.vectorBitSize() / 2));

    /**
     * y[yOff + r] = vth * sum_{g in [groupStart, groupEnd)} scale[r, g] * sum_{k in group g's list} count(k) * code[r, channel(k)]
     * for r in [rowStart, rowEnd). Outliers are the caller's.
     */
    static void counts(Int8Weights w, ChannelList list, int groupStart, int groupEnd, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        int[] active = list.channel;
        int[] value = list.value;
        int[] listEnd = list.groupEnd;
        float[] acc = rowAccumulator(rowStart, rowEnd);
        int[] ia = SpikeScratch.ints(4, w.blockRows);
        MemorySegment seg = w.blocks;
        float[] sg = w.scalesByGroup;
        int br = w.blockRows;
        for (int b = rowStart / br; b * br < rowEnd; b++) {
            int b0 = b * br;
            int r0 = Math.max(rowStart, b0);
            int r1 = Math.min(rowEnd, b0 + br);
            int n = (r1 - r0 + TILE - 1) / TILE * TILE;
            int len = w.runLength(b);
            long base = w.blockStart(b) + (r0 - b0);
            for (int g = groupStart; g < groupEnd; g++) {
                int k = listEnd[g];
                int kEnd = listEnd[g + 1];
                if (k == kEnd) {
                    continue;
                }
                Arrays.fill(ia, 0, n, 0);
                for (; k + CH <= kEnd; k += CH) {
                    if (fitsShort(value[k], value[k + 1], value[k + 2], value[k + 3])) {
                        shortQuad(seg, base, len, active, value, k, ia, n);
                        continue;
                    }
                    long o0 = base + (long) active[k] * len;
                    long o1 = base + (long) active[k + 1] * len;
                    long o2 = base + (long) active[k + 2] * len;
                    long o3 = base + (long) active[k + 3] * len;
                    IntVector s0 = IntVector.broadcast(I, value[k]);
                    IntVector s1 = IntVector.broadcast(I, value[k + 1]);
                    IntVector s2 = IntVector.broadcast(I, value[k + 2]);
                    IntVector s3 = IntVector.broadcast(I, value[k + 3]);
                    for (int j = 0; j < n; j += L) {
                        IntVector u = widen(seg, o0 + j).mul(s0).add(widen(seg, o1 + j).mul(s1));
                        IntVector v = widen(seg, o2 + j).mul(s2).add(widen(seg, o3 + j).mul(s3));
                        IntVector.fromArray(I, ia, j).add(u.add(v)).intoArray(ia, j);
                    }
                }
                for (; k + 2 <= kEnd; k += 2) {
                    long o0 = base + (long) active[k] * len;
                    long o1 = base + (long) active[k + 1] * len;
                    IntVector s0 = IntVector.broadcast(I, value[k]);
                    IntVector s1 = IntVector.broadcast(I, value[k + 1]);
                    for (int j = 0; j < n; j += L) {
                        IntVector u = widen(seg, o0 + j).mul(s0).add(widen(seg, o1 + j).mul(s1));
                        IntVector.fromArray(I, ia, j).add(u).intoArray(ia, j);
                    }
                }
                for (; k < kEnd; k++) {
                    long o0 = base + (long) active[k] * len;
                    IntVector s0 = IntVector.broadcast(I, value[k]);
                    for (int j = 0; j < n; j += L) {
                        IntVector.fromArray(I, ia, j).add(widen(seg, o0 + j).mul(s0)).intoArray(ia, j);
                    }
                }
                int so = g * w.rowsPadded + r0;
                int ao = r0 - rowStart;
                for (int j = 0; j < n; j += L) {
                    toFloat(IntVector.fromArray(I, ia, j)).fma(FloatVector.fromArray(F, sg, so + j), FloatVector.fromArray(F, acc, ao + j))
                            .intoArray(acc, ao + j);
                }
            }
        }
        store(acc, vth, y, yOff, rowStart, rowEnd);
    }

    /**
     * y[yOff + r] = sum_{g in [groupStart, groupEnd)} scale[r, g] * sum_{c in g} int8code[r, c] * x[xOff + c] for r in
     * [rowStart, rowEnd). Outliers are the caller's.
     */
    static void floats(Int8Weights w, float[] x, int xOff, int groupStart, int groupEnd, float[] y, int yOff, int rowStart, int rowEnd) {
        float[] acc = rowAccumulator(rowStart, rowEnd);
        float[] ga = SpikeScratch.floats(1, w.blockRows);
        MemorySegment seg = w.blocks;
        float[] sg = w.scalesByGroup;
        int br = w.blockRows;
        for (int b = rowStart / br; b * br < rowEnd; b++) {
            int b0 = b * br;
            int r0 = Math.max(rowStart, b0);
            int r1 = Math.min(rowEnd, b0 + br);
            int n = (r1 - r0 + TILE - 1) / TILE * TILE;
            int len = w.runLength(b);
            long base = w.blockStart(b) + (r0 - b0);
            for (int g = groupStart; g < groupEnd; g++) {
                Arrays.fill(ga, 0, n, 0f);
                int c0 = g * Int8Weights.GROUP;
                for (int c = c0; c < c0 + Int8Weights.GROUP; c += CH) {
                    long o0 = base + (long) c * len;
                    long o1 = o0 + len;
                    long o2 = o1 + len;
                    long o3 = o2 + len;
                    FloatVector x0 = FloatVector.broadcast(F, x[xOff + c]);
                    FloatVector x1 = FloatVector.broadcast(F, x[xOff + c + 1]);
                    FloatVector x2 = FloatVector.broadcast(F, x[xOff + c + 2]);
                    FloatVector x3 = FloatVector.broadcast(F, x[xOff + c + 3]);
                    for (int j = 0; j < n; j += L) {
                        FloatVector u = toFloat(widen(seg, o0 + j)).fma(x0, toFloat(widen(seg, o1 + j)).mul(x1));
                        FloatVector v = toFloat(widen(seg, o2 + j)).fma(x2, toFloat(widen(seg, o3 + j)).mul(x3));
                        FloatVector.fromArray(F, ga, j).add(u.add(v)).intoArray(ga, j);
                    }
                }
                int so = g * w.rowsPadded + r0;
                int ao = r0 - rowStart;
                for (int j = 0; j < n; j += L) {
                    FloatVector.fromArray(F, ga, j).fma(FloatVector.fromArray(F, sg, so + j), FloatVector.fromArray(F, acc, ao + j))
                            .intoArray(acc, ao + j);
                }
            }
        }
        store(acc, 1f, y, yOff, rowStart, rowEnd);
    }

    /** Whether four channels' products fit one int16 lane: 4 * 127 * |s| <= 32512. */
    private static boolean fitsShort(int s0, int s1, int s2, int s3) {
        return Math.max(Math.max(Math.abs(s0), Math.abs(s1)), Math.max(Math.abs(s2), Math.abs(s3))) <= SHORT_COUNT;
    }

    /**
     * ia[j] += sum of four channels' code * count over the n rows, multiplied and summed in int16 lanes
     * (twice the lanes per instruction) and widened to int once per four channels. Exact when every
     * |count| <= SHORT_COUNT.
     */
    private static void shortQuad(MemorySegment seg, long base, int len, int[] active, int[] value, int k, int[] ia, int n) {
        long o0 = base + (long) active[k] * len;
        long o1 = base + (long) active[k + 1] * len;
        long o2 = base + (long) active[k + 2] * len;
        long o3 = base + (long) active[k + 3] * len;
        ShortVector s0 = ShortVector.broadcast(S, (short) value[k]);
        ShortVector s1 = ShortVector.broadcast(S, (short) value[k + 1]);
        ShortVector s2 = ShortVector.broadcast(S, (short) value[k + 2]);
        ShortVector s3 = ShortVector.broadcast(S, (short) value[k + 3]);
        for (int j = 0; j < n; j += 2 * L) {
            ShortVector u = widenShort(seg, o0 + j).mul(s0).add(widenShort(seg, o1 + j).mul(s1));
            ShortVector v = widenShort(seg, o2 + j).mul(s2).add(widenShort(seg, o3 + j).mul(s3));
            ShortVector t = u.add(v);
            IntVector.fromArray(I, ia, j).add(t.convertShape(VectorOperators.S2I, I, 0)).intoArray(ia, j);
            IntVector.fromArray(I, ia, j + L).add(t.convertShape(VectorOperators.S2I, I, 1)).intoArray(ia, j + L);
        }
    }

    private static ShortVector widenShort(MemorySegment seg, long o) {
        return (ShortVector) ByteVector.fromMemorySegment(B2, seg, o, Int8MatVec.LE).convertShape(VectorOperators.B2S, S, 0);
    }

    /** Per-thread float results for rows [rowStart, rowEnd) rounded up to whole TILEs, zeroed. */
    static float[] rowAccumulator(int rowStart, int rowEnd) {
        int n = (rowEnd - rowStart + TILE - 1) / TILE * TILE;
        float[] acc = SpikeScratch.floats(0, n);
        Arrays.fill(acc, 0, n, 0f);
        return acc;
    }

    /** y[yOff + r] = vth * acc[r - rowStart] for r in [rowStart, rowEnd). */
    static void store(float[] acc, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        int n = rowEnd - rowStart;
        int o = yOff + rowStart;
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector.fromArray(F, acc, j).mul(vth).intoArray(y, o + j);
        }
        for (; j < n; j++) {
            y[o + j] = vth * acc[j];
        }
    }
}
