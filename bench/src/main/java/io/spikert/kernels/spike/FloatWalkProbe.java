package io.spikert.kernels.spike;

import static io.spikert.kernels.spike.Int8MatVec.F;
import static io.spikert.kernels.spike.Int8MatVec.I;
import static io.spikert.kernels.spike.Int8MatVec.toFloat;
import static io.spikert.kernels.spike.Int8MatVec.widen;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Bench-only variants of BlockStream.floats (the float-input product's walk), to be timed against it from DRAM
 * (SpikeDramRatios): {@code eight} takes eight channels per pass over the group sums instead of four;
 * {@code wide} loads 64 codes of a run at once and converts them in four parts; {@code quad} reads a copy of the
 * codes (made on its first call, outside the timed rounds) with each quad of channels interleaved per 16 rows, so
 * the walk reads one stream instead of four (one-block matrices only). Group sums only (no outliers).
 */
public final class FloatWalkProbe {
    private FloatWalkProbe() {}

    private static final int L = I.length();
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_512;

    /** The product's groups [g0, g1) over every row, without outliers, into y (overwritten). */
    public static void run(String variant, Int8Weights w, float[] x, float[] y, int g0, int g1) {
        switch (variant) {
            case "four" -> BlockStream.floats(w, x, 0, g0, g1, y, 0, 0, w.rows);
            case "eight" -> eight(w, x, g0, g1, y);
            case "wide" -> wide(w, x, g0, g1, y);
            case "quad" -> quad(w, x, g0, g1, y);
            default -> throw new IllegalArgumentException(variant);
        }
    }

    private static void eight(Int8Weights w, float[] x, int g0, int g1, float[] y) {
        int n = (w.rows + Int8Weights.TILE - 1) / Int8Weights.TILE * Int8Weights.TILE;
        float[] acc = new float[n];
        float[] ga = new float[n];
        MemorySegment seg = w.blocks;
        int len = w.runLength(0);
        long base = w.blockStart(0);
        for (int g = g0; g < g1; g++) {
            Arrays.fill(ga, 0f);
            int c0 = g * Int8Weights.GROUP;
            for (int c = c0; c < c0 + Int8Weights.GROUP; c += 8) {
                long o0 = base + (long) c * len;
                FloatVector x0 = FloatVector.broadcast(F, x[c]), x1 = FloatVector.broadcast(F, x[c + 1]);
                FloatVector x2 = FloatVector.broadcast(F, x[c + 2]), x3 = FloatVector.broadcast(F, x[c + 3]);
                FloatVector x4 = FloatVector.broadcast(F, x[c + 4]), x5 = FloatVector.broadcast(F, x[c + 5]);
                FloatVector x6 = FloatVector.broadcast(F, x[c + 6]), x7 = FloatVector.broadcast(F, x[c + 7]);
                for (int j = 0; j < n; j += L) {
                    long o = o0 + j;
                    FloatVector u = toFloat(widen(seg, o)).fma(x0, toFloat(widen(seg, o + len)).mul(x1));
                    FloatVector v = toFloat(widen(seg, o + 2L * len)).fma(x2, toFloat(widen(seg, o + 3L * len)).mul(x3));
                    FloatVector p = toFloat(widen(seg, o + 4L * len)).fma(x4, toFloat(widen(seg, o + 5L * len)).mul(x5));
                    FloatVector q = toFloat(widen(seg, o + 6L * len)).fma(x6, toFloat(widen(seg, o + 7L * len)).mul(x7));
                    FloatVector.fromArray(F, ga, j).add(u.add(v).add(p.add(q))).intoArray(ga, j);
                }
            }
            scale(w, g, ga, acc, n);
        }
        System.arraycopy(acc, 0, y, 0, w.rows);
    }

    private static void wide(Int8Weights w, float[] x, int g0, int g1, float[] y) {
        int n = (w.rows + Int8Weights.TILE - 1) / Int8Weights.TILE * Int8Weights.TILE;
        float[] acc = new float[n];
        float[] ga = new float[n];
        MemorySegment seg = w.blocks;
        int len = w.runLength(0);
        long base = w.blockStart(0);
        for (int g = g0; g < g1; g++) {
            Arrays.fill(ga, 0f);
            int c0 = g * Int8Weights.GROUP;
            for (int c = c0; c < c0 + Int8Weights.GROUP; c += 4) {
                long o0 = base + (long) c * len;
                FloatVector x0 = FloatVector.broadcast(F, x[c]), x1 = FloatVector.broadcast(F, x[c + 1]);
                FloatVector x2 = FloatVector.broadcast(F, x[c + 2]), x3 = FloatVector.broadcast(F, x[c + 3]);
                for (int j = 0; j < n; j += 4 * L) {
                    long o = o0 + j;
                    ByteVector b0 = ByteVector.fromMemorySegment(B64, seg, o, Int8MatVec.LE);
                    ByteVector b1 = ByteVector.fromMemorySegment(B64, seg, o + len, Int8MatVec.LE);
                    ByteVector b2 = ByteVector.fromMemorySegment(B64, seg, o + 2L * len, Int8MatVec.LE);
                    ByteVector b3 = ByteVector.fromMemorySegment(B64, seg, o + 3L * len, Int8MatVec.LE);
                    for (int part = 0; part < 4; part++) {
                        FloatVector u = f(b0, part).fma(x0, f(b1, part).mul(x1));
                        FloatVector v = f(b2, part).fma(x2, f(b3, part).mul(x3));
                        int at = j + part * L;
                        FloatVector.fromArray(F, ga, at).add(u.add(v)).intoArray(ga, at);
                    }
                }
            }
            scale(w, g, ga, acc, n);
        }
        System.arraycopy(acc, 0, y, 0, w.rows);
    }

    private static final java.util.Map<Int8Weights, MemorySegment> QUADS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The codes of a one-block matrix with each quad of channels interleaved per L rows: [cols / 4][n / L][4][L]. */
    private static MemorySegment quads(Int8Weights w) {
        return QUADS.computeIfAbsent(w, k -> {
            int len = w.runLength(0);
            MemorySegment src = w.blocks;
            MemorySegment dst = java.lang.foreign.Arena.global().allocate((long) len * w.cols, 64);
            for (int c = 0; c < w.cols; c += 4) {
                for (int j = 0; j < len; j += L) {
                    for (int q = 0; q < 4; q++) {
                        MemorySegment.copy(src, (long) (c + q) * len + j, dst, (long) c * len + 4L * j + (long) q * L, L);
                    }
                }
            }
            return dst;
        });
    }

    private static void quad(Int8Weights w, float[] x, int g0, int g1, float[] y) {
        int n = (w.rows + Int8Weights.TILE - 1) / Int8Weights.TILE * Int8Weights.TILE;
        float[] acc = new float[n];
        float[] ga = new float[n];
        MemorySegment seg = quads(w);
        int len = w.runLength(0);
        for (int g = g0; g < g1; g++) {
            Arrays.fill(ga, 0f);
            int c0 = g * Int8Weights.GROUP;
            for (int c = c0; c < c0 + Int8Weights.GROUP; c += 4) {
                long o0 = (long) c * len;
                FloatVector x0 = FloatVector.broadcast(F, x[c]), x1 = FloatVector.broadcast(F, x[c + 1]);
                FloatVector x2 = FloatVector.broadcast(F, x[c + 2]), x3 = FloatVector.broadcast(F, x[c + 3]);
                for (int j = 0; j < n; j += L) {
                    long o = o0 + 4L * j;
                    FloatVector u = toFloat(widen(seg, o)).fma(x0, toFloat(widen(seg, o + L)).mul(x1));
                    FloatVector v = toFloat(widen(seg, o + 2 * L)).fma(x2, toFloat(widen(seg, o + 3 * L)).mul(x3));
                    FloatVector.fromArray(F, ga, j).add(u.add(v)).intoArray(ga, j);
                }
            }
            scale(w, g, ga, acc, n);
        }
        System.arraycopy(acc, 0, y, 0, w.rows);
    }

    private static FloatVector f(ByteVector b, int part) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, F, part);
    }

    private static void scale(Int8Weights w, int g, float[] ga, float[] acc, int n) {
        float[] sg = w.scalesByGroup;
        int so = g * w.rowsPadded;
        for (int j = 0; j < n; j += L) {
            FloatVector.fromArray(F, ga, j).fma(FloatVector.fromArray(F, sg, so + j), FloatVector.fromArray(F, acc, j)).intoArray(acc, j);
        }
    }
}
