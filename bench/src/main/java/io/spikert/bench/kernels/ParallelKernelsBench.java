package io.spikert.bench.kernels;

import io.spikert.runtime.ComputePool;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.CpuBackend;
import jdk.incubator.vector.FloatVector;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The products as the model runs them: {@link CpuBackend#linear} splitting rows across the runtime's
 * compute pool, on 1 thread or all of them. Baselines run on the same pool in the same run:
 * {@code readBaseline} vector-sums the very same weight bytes (GB/s = bytes / time), {@code fmaPeak}
 * runs the register FMA loop on every thread ({@link #PEAK_FLOPS_PER_THREAD} x threads flops).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ParallelKernelsBench {
    private static final int PEAK_ITERATIONS = 1 << 20;
    public static final long PEAK_FLOPS_PER_THREAD = 12L * FloatVector.SPECIES_PREFERRED.length() * 2 * PEAK_ITERATIONS;

    @Param({"F32", "BF16"})
    public String dtype;

    /** "1" or "all" (every available processor). */
    @Param({"1", "all"})
    public String threads;

    /** The 7B's MLP gate/up shape: 18944 rows of 3584. */
    @Param({"18944"})
    public int rows;

    @Param({"3584"})
    public int cols;

    @Param({"64"})
    public int tokens;

    private Arena arena;
    private CpuBackend backend;
    private ComputePool pool;
    private Tensor w;
    private float[] x;
    private float[] xs;
    private float[] y;
    private float[] ys;
    private float[] seed;

    @Setup(Level.Trial)
    public void setup() {
        int n = threads.equals("all") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads);
        backend = new CpuBackend(n);
        pool = backend.pool();
        arena = Arena.ofShared();
        MemorySegment seg = BenchData.weights(arena, dtype, rows, cols, 42);
        w = new Tensor("w", DType.valueOf(dtype), new long[] {rows, cols}, seg);
        x = BenchData.randoms(cols, 7);
        y = new float[rows];
        xs = BenchData.randoms(tokens * cols, 8);
        ys = new float[tokens * rows];
        seed = BenchData.randoms(64, 3);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        arena.close();
    }

    @Benchmark
    public float[] matVec() {
        backend.linear(w, x, 0, 1, y, 0);
        return y;
    }

    @Benchmark
    public double readBaseline() {
        long rowBytes = w.byteSize() / rows;
        DoubleAdder sum = new DoubleAdder();
        pool.parallelFor(rows, 16, (start, end) ->
                sum.add(BenchData.vectorSum(w.data().asSlice(start * rowBytes, (end - start) * rowBytes))));
        return sum.sum();
    }

    @Benchmark
    public float[] matMul() {
        backend.linear(w, xs, 0, tokens, ys, 0);
        return ys;
    }

    @Benchmark
    public double fmaPeak() {
        DoubleAdder sum = new DoubleAdder();
        pool.parallelFor(pool.threads(), (start, end) -> {
            for (int t = start; t < end; t++) {
                sum.add(BenchData.fmaPeak(seed, PEAK_ITERATIONS));
            }
        });
        return sum.sum();
    }
}
