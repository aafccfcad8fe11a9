package io.spikert.bench.kernels;

import io.spikert.kernels.MatMul;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Single-thread prefill GEMM. GFLOP/s = 2 * tokens * rows * cols / time; {@code fmaPeak} performs
 * {@link #PEAK_FLOPS} floating-point operations (FMAs on registers only), so its GFLOP/s is
 * PEAK_FLOPS / time: compare the two from the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatMulBench {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int PEAK_ITERATIONS = 1 << 20;
    /** 12 accumulators x lanes x 2 flops per FMA x iterations. */
    public static final long PEAK_FLOPS = 12L * F.length() * 2 * PEAK_ITERATIONS;

    @Param({"F32", "BF16"})
    public String dtype;

    @Param({"3584"})
    public int rows;

    @Param({"3584"})
    public int cols;

    @Param({"64"})
    public int tokens;

    private Arena arena;
    private MemorySegment w;
    private float[] x;
    private float[] y;
    private float[] seed;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        w = BenchData.weights(arena, dtype, rows, cols, 42);
        x = BenchData.randoms(tokens * cols, 7);
        y = new float[tokens * rows];
        seed = BenchData.randoms(4 * F.length(), 3);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] matMul() {
        if (dtype.equals("F32")) {
            MatMul.f32(w, cols, x, 0, cols, tokens, y, 0, rows, 0, rows);
        } else {
            MatMul.bf16(w, cols, x, 0, cols, tokens, y, 0, rows, 0, rows);
        }
        return y;
    }

    /** Twelve independent FMA chains on registers: the FP32 peak Java code can reach on one core. */
    @Benchmark
    public float fmaPeak() {
        return BenchData.fmaPeak(seed, PEAK_ITERATIONS);
    }
}
