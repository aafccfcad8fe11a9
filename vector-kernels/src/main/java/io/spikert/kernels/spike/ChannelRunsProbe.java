package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.I;
import static io.spikert.kernels.spike.Int8MatVec.toFloat;
import static io.spikert.kernels.spike.Int8MatVec.widen;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * EXPERIMENT (bench only, not used by the runtime): a channel-major copy of an {@link Int8Weights}'
 * int8 codes, [blocks][cols][blockRows], so that one input channel is one contiguous run of blockRows
 * bytes and a silent channel skips the whole run. The products stream CH active channels at a time
 * through int32 accumulators for the block's rows held in L1/L2, then one scale FMA per group and row.
 * Scales and outliers are the wrapped weights'. Results equal the tiled kernels' (same int32 group sums).
 * Measured with bench ChannelRunsRatios (3584 x 3584, 1% outliers, block = all rows, 4 channels per
 * pass), us: 1 thread 0/18.4/50/69/90% silent: tiled dense 566/553/541/559/504, this sparse
 * 627/515/323/211/90, this dense 632/581/581/-/531; 2 threads: tiled dense 313/301/282/270/253, this
 * sparse 348/298/185/116/51, this dense 353/344/323/295/294. So the event kernel gains (1.67x over
 * tiled dense at 50%, 1 thread; 1.52x at 2 threads), but the dense kernel on this layout is 7-15%
 * slower than on tiles (an extra int32 load and store per 4 channels), and 8 channels per pass was
 * much slower (spills). Not the default layout: a probe to decide the next step.
 */
public final class ChannelRunsProbe {
    private static final int L = I.length();
    private static final int CH = 4;

    final Int8Weights w;
    final int blockRows;
    final MemorySegment runs;

    private static final ThreadLocal<int[]> IACC = ThreadLocal.withInitial(() -> new int[0]);
    private static final ThreadLocal<float[]> FACC = ThreadLocal.withInitial(() -> new float[0]);

    public ChannelRunsProbe(Arena arena, Int8Weights w, int blockRows) {
        if (blockRows % Int8Weights.TILE != 0) {
            throw new IllegalArgumentException("blockRows " + blockRows + " not a multiple of " + Int8Weights.TILE);
        }
        this.w = w;
        this.blockRows = blockRows;
        int blocks = (w.rows + blockRows - 1) / blockRows;
        this.runs = arena.allocate((long) blocks * blockRows * w.cols, 64);
        for (int r = 0; r < w.rows; r++) {
            for (int c = 0; c < w.cols; c++) {
                runs.set(ValueLayout.JAVA_BYTE, index(r, c), (byte) w.tiledCode(r, c));
            }
        }
    }

    private long index(int r, int c) {
        int b = r / blockRows;
        return (long) b * blockRows * w.cols + (long) c * blockRows + r % blockRows;
    }

    public static void sparse(ChannelRunsProbe p, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        product(p, counts, cOff, vth, y, yOff, rowStart, rowEnd, true);
    }

    public static void dense(ChannelRunsProbe p, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd) {
        product(p, counts, cOff, vth, y, yOff, rowStart, rowEnd, false);
    }

    private static void product(ChannelRunsProbe p, int[] counts, int cOff, float vth, float[] y, int yOff, int rowStart, int rowEnd, boolean skip) {
        Int8Weights w = p.w;
        w.checkProduct("ChannelRunsProbe", y, yOff, rowStart, rowEnd);
        w.checkTiledRange("ChannelRunsProbe", rowStart, rowEnd);
        int cols = w.cols;
        Objects.checkFromIndexSize(cOff, cols, counts.length);
        int groups = w.groups;
        int[] active = SpikeScratch.ints(0, cols);
        int[] value = SpikeScratch.ints(1, cols);
        int[] groupEnd = SpikeScratch.ints(2, groups + 1);
        int na = 0;
        for (int g = 0; g < groups; g++) {
            int end = (g + 1) * Int8Weights.GROUP;
            for (int c = g * Int8Weights.GROUP; c < end; c++) {
                int s = counts[cOff + c];
                Int8Weights.checkCount("ChannelRunsProbe", s, c);
                if (s != 0 || !skip) {
                    active[na] = c;
                    value[na++] = s;
                }
            }
            groupEnd[g + 1] = na;
        }
        int br = p.blockRows;
        MemorySegment runs = p.runs;
        float[] sg = w.scalesByGroup;
        int rp = w.rowsPadded;
        for (int b0 = (rowStart / br) * br; b0 < rowEnd; b0 += br) {
            int r0 = Math.max(rowStart, b0);
            int r1 = Math.min(rowEnd, b0 + br);
            int n = (r1 - r0 + L - 1) / L * L;
            int[] ia = IACC.get();
            if (ia.length < n) {
                ia = new int[n];
                IACC.set(ia);
            }
            float[] fa = FACC.get();
            if (fa.length < n) {
                fa = new float[n];
                FACC.set(fa);
            }
            java.util.Arrays.fill(fa, 0, n, 0f);
            long base = (long) b0 * cols + (r0 - b0);
            for (int g = 0; g < groups; g++) {
                int k = groupEnd[g];
                int kEnd = groupEnd[g + 1];
                if (k == kEnd) {
                    continue;
                }
                java.util.Arrays.fill(ia, 0, n, 0);
                for (; k + CH <= kEnd; k += CH) {
                    long o0 = base + (long) active[k] * br;
                    long o1 = base + (long) active[k + 1] * br;
                    long o2 = base + (long) active[k + 2] * br;
                    long o3 = base + (long) active[k + 3] * br;
                    IntVector s0 = IntVector.broadcast(I, value[k]);
                    IntVector s1 = IntVector.broadcast(I, value[k + 1]);
                    IntVector s2 = IntVector.broadcast(I, value[k + 2]);
                    IntVector s3 = IntVector.broadcast(I, value[k + 3]);
                    for (int j = 0; j < n; j += L) {
                        IntVector a = IntVector.fromArray(I, ia, j);
                        IntVector u = widen(runs, o0 + j).mul(s0).add(widen(runs, o1 + j).mul(s1));
                        IntVector v = widen(runs, o2 + j).mul(s2).add(widen(runs, o3 + j).mul(s3));
                        a.add(u.add(v)).intoArray(ia, j);
                    }
                }
                for (; k < kEnd; k++) {
                    long o0 = base + (long) active[k] * br;
                    IntVector s0 = IntVector.broadcast(I, value[k]);
                    for (int j = 0; j < n; j += L) {
                        IntVector.fromArray(I, ia, j).add(widen(runs, o0 + j).mul(s0)).intoArray(ia, j);
                    }
                }
                int so = g * rp + r0;
                for (int j = 0; j < n; j += L) {
                    toFloat(IntVector.fromArray(I, ia, j)).fma(FloatVector.fromArray(F, sg, so + j), FloatVector.fromArray(F, fa, j)).intoArray(fa, j);
                }
            }
            int m = r1 - r0;
            int j = 0;
            for (; j + L <= m; j += L) {
                FloatVector.fromArray(F, fa, j).mul(vth).intoArray(y, yOff + r0 + j);
            }
            for (; j < m; j++) {
                y[yOff + r0 + j] = vth * fa[j];
            }
        }
        w.addOutliers(counts, cOff, vth, y, yOff, rowStart, rowEnd);
    }
}
