package io.spikert.bench.spike;

import io.spikert.kernels.spike.CodeSegments;
import io.spikert.kernels.spike.FloatWalkProbe;
import io.spikert.kernels.spike.Int8MatVec;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.backend.CpuBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-token spike product as decode runs it: from DRAM. A ring of distinct INT8 matrices larger
 * than the last-level cache is walked matrix after matrix, so every call streams its codes from memory
 * (SpikeMatVecRatios repeats one matrix, which a large L3 holds). Per call it times, interleaved: a plain
 * vectorised read of the codes (the bound), the dense kernel and the event kernel at each silent share as
 * CpuBackend.spikeLinear runs them, and the float-input product (down_proj's) as the backend runs it and with the
 * threads splitting the rows; with {@code -Dwalks=four,eight,wide,quad}, {@link FloatWalkProbe}'s walks too, and with
 * {@code -Doutliers=SHARE} another share of codes beyond +-127 than the default 0.01. Prints
 * per-matrix microseconds (median over rounds) and the codes' bytes per second. Arguments: [rows] [cols]
 * [matrices] [rounds] [threads,...] [silent shares,...]; defaults 18944 3584 10 7 1,2 0.184,0.5.
 */
public final class SpikeDramRatios {
    private SpikeDramRatios() {}

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED;
    private static volatile long sink;

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 18944;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 3584;
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 7;
        int[] threadCounts = Arrays.stream((args.length > 4 ? args[4] : "1,2").split(",")).mapToInt(Integer::parseInt).toArray();
        double[] shares = Arrays.stream((args.length > 5 ? args[5] : "0.184,0.5").split(",")).mapToDouble(Double::parseDouble).toArray();
        float vth = 0.05f;
        try (Arena arena = Arena.ofShared()) {
            Int8Weights[] ring = new Int8Weights[count];
            for (int i = 0; i < count; i++) {
                ring[i] = SpikeBenchData.int8(arena, rows, cols, Double.parseDouble(System.getProperty("outliers", "0.01")), 42 + i);
            }
            MemorySegment[] codes = Arrays.stream(ring).map(SpikeDramRatios::codes).toArray(MemorySegment[]::new);
            long bytes = codes[0].byteSize();
            float[] y = new float[rows];
            System.out.printf("ring of %d matrices %d x %d (%.1f MB of codes each, %.0f MB in all); per-matrix us, median of %d rounds; GB/s of the whole matrix%n",
                    count, rows, cols, bytes / 1e6, count * bytes / 1e6, rounds);
            for (int threads : threadCounts) {
                try (ComputePool pool = new ComputePool(threads)) {
                    CpuBackend dense = new CpuBackend(pool, false).sparseFromSilentShare(2);
                    CpuBackend sparse = new CpuBackend(pool, false).sparseFromSilentShare(0);
                    int[][] counts = new int[shares.length][];
                    for (int s = 0; s < shares.length; s++) {
                        counts[s] = SpikeBenchData.counts(cols, shares[s], 7);
                    }
                    int[] all = SpikeBenchData.counts(cols, 0, 7);
                    float[] x = SpikeBenchData.randoms(cols, 8);
                    float[][] parts = new float[threads][rows];
                    // each kernel runs on matrix m of the ring
                    Map<String, IntConsumer> kernels = new LinkedHashMap<>();
                    kernels.put("read", m -> read(pool, codes[m]));
                    kernels.put("dense", m -> dense.spikeLinear(ring[m], all, 0, vth, y, 0));
                    for (int s = 0; s < shares.length; s++) {
                        int[] c = counts[s];
                        kernels.put(String.format("event %.1f%% silent", 100 * shares[s]), m -> sparse.spikeLinear(ring[m], c, 0, vth, y, 0));
                    }
                    kernels.put("int8Float (float input)", m -> dense.int8Linear(ring[m], x, 0, y, 0));
                    kernels.put("int8Float, rows split", m -> pool.parallelFor(rows, Int8Weights.TILE,
                            (a, b) -> Int8MatVec.denseFloat(ring[m], x, 0, y, 0, a, b)));
                    for (String walk : System.getProperty("walks", "").split(",")) {
                        if (!walk.isEmpty()) {
                            kernels.put("walk " + walk + " (no outliers)", m -> pool.parallelFor(threads, 1, (a, b) -> {
                                int groups = ring[m].groups();
                                for (int p = a; p < b; p++) {
                                    FloatWalkProbe.run(walk, ring[m], x, parts[p], groups * p / threads, groups * (p + 1) / threads);
                                }
                            }));
                        }
                    }
                    List<String> names = List.copyOf(kernels.keySet());
                    double[][] t = new double[names.size()][rounds];
                    for (int r = -2; r < rounds; r++) {
                        for (int k = 0; k < names.size(); k++) {
                            IntConsumer kernel = kernels.get(names.get(k));
                            long t0 = System.nanoTime();
                            for (int m = 0; m < count; m++) {
                                kernel.accept(m);
                            }
                            if (r >= 0) {
                                t[k][r] = (System.nanoTime() - t0) / 1e3 / count;
                            }
                        }
                    }
                    System.out.printf("threads %d:%n", threads);
                    for (int k = 0; k < names.size(); k++) {
                        Arrays.sort(t[k]);
                        double us = t[k][rounds / 2];
                        String name = names.get(k);
                        System.out.printf("  %-22s %9.0f us  %6.1f GB/s  (range %.0f-%.0f)%n", name, us, bytes / us / 1e3, t[k][0], t[k][rounds - 1]);
                    }
                }
            }
        }
    }

    private static MemorySegment codes(Int8Weights w) {
        return CodeSegments.codes(w);
    }

    /** Sums every byte of seg over the pool's threads: a plain vectorised read. */
    private static void read(ComputePool pool, MemorySegment seg) {
        int step = 4 * B.length();
        int units = (int) (seg.byteSize() / step);
        long[] parts = new long[64];
        pool.parallelFor(units, 1024, (a, b) -> {
            ByteVector v0 = ByteVector.zero(B), v1 = v0, v2 = v0, v3 = v0;
            for (long o = (long) a * step, end = (long) b * step; o < end; o += step) {
                v0 = v0.add(ByteVector.fromMemorySegment(B, seg, o, ByteOrder.LITTLE_ENDIAN));
                v1 = v1.add(ByteVector.fromMemorySegment(B, seg, o + B.length(), ByteOrder.LITTLE_ENDIAN));
                v2 = v2.add(ByteVector.fromMemorySegment(B, seg, o + 2L * B.length(), ByteOrder.LITTLE_ENDIAN));
                v3 = v3.add(ByteVector.fromMemorySegment(B, seg, o + 3L * B.length(), ByteOrder.LITTLE_ENDIAN));
            }
            parts[(a * 7) & 63] += v0.add(v1).add(v2).add(v3).reduceLanes(VectorOperators.ADD);
        });
        sink += parts[0];
    }
}
