package io.spikert.bench.spike;

import io.spikert.kernels.MatVec;
import io.spikert.kernels.spike.Int8MatVec;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeBitPlanes;
import io.spikert.kernels.spike.SpikeCoding;
import io.spikert.kernels.spike.SpikeMatVec;
import io.spikert.kernels.spike.SpikeTrainMatVec;
import io.spikert.kernels.spike.TiledInt8Baseline;
import io.spikert.runtime.ComputePool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
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
 * One W8ASpike matrix-vector product (one token, one projection) at a given share of silent input
 * channels: the event-driven kernel over counts ({@code sparse}) and over a bitwise bidirectional
 * spike train ({@code bitwise}, planes encoded in setup, as one input's planes serve q/k/v alike)
 * against the dense INT8 kernel ({@code denseInt8}, the one CpuBackend uses below its silent-share
 * threshold) and the BF16 kernel ({@code bf16}) on a random BF16 matrix of the same shape; also the old
 * tiled dense INT8 kernel ({@code oldTiledInt8}, its own copy of the codes, a baseline only) and the
 * float-input INT8 product ({@code int8Float}, x as the BF16 kernel's). Default shape: 3584 x 3584 (the 7B q_proj and o_proj);
 * run {@code -p rows=18944} for the MLP gate/up shape. INT8 codes carry 1% outliers out to +-200,
 * as the published checkpoint does, so the exact correction is part of the cost. threads = 0 means
 * one per available processor, split by output rows through the runtime's ComputePool. Compare
 * kernels as ratios within one run (docs/PERFORMANCE.md, "The machine").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SpikeMatVecBench {

    @Param({"0", "0.184", "0.5", "0.69", "0.9"})
    public double silent;

    @Param({"1", "0"})
    public int threads;

    @Param({"3584"})
    public int rows;

    @Param({"3584"})
    public int cols;

    @Param({"0.01"})
    public double outliers;

    private Arena arena;
    private ComputePool pool;
    private Int8Weights int8;
    private TiledInt8Baseline tiled;
    private MemorySegment bf16;
    private int[] counts;
    private SpikeBitPlanes planes;
    private float[] x;
    private float[] y;
    private final float vth = 0.05f;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        pool = threads == 0 ? ComputePool.allCores() : new ComputePool(threads);
        int8 = SpikeBenchData.int8(arena, rows, cols, outliers, 42);
        tiled = new TiledInt8Baseline(arena, int8);
        bf16 = SpikeBenchData.bf16(arena, rows, cols, 43);
        counts = SpikeBenchData.counts(cols, silent, 7);
        planes = SpikeBitPlanes.encode(SpikeCoding.BITWISE_BIDIRECTIONAL, counts, 0, cols);
        x = SpikeBenchData.randoms(cols, 8);
        y = new float[rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] sparse() {
        pool.parallelFor(rows, Int8Weights.TILE, (from, to) -> SpikeMatVec.sparse(int8, counts, 0, vth, y, 0, from, to));
        return y;
    }

    @Benchmark
    public float[] bitwise() {
        pool.parallelFor(rows, Int8Weights.TILE, (from, to) -> SpikeTrainMatVec.bitwise(int8, planes, vth, y, 0, from, to));
        return y;
    }

    @Benchmark
    public float[] denseInt8() {
        pool.parallelFor(rows, Int8Weights.TILE, (from, to) -> Int8MatVec.dense(int8, counts, 0, vth, y, 0, from, to));
        return y;
    }

    @Benchmark
    public float[] oldTiledInt8() {
        pool.parallelFor(rows, Int8Weights.TILE, (from, to) -> tiled.dense(counts, 0, vth, y, 0, from, to));
        return y;
    }

    @Benchmark
    public float[] int8Float() {
        pool.parallelFor(rows, Int8Weights.TILE, (from, to) -> Int8MatVec.denseFloat(int8, x, 0, y, 0, from, to));
        return y;
    }

    @Benchmark
    public float[] bf16() {
        pool.parallelFor(rows, 8, (from, to) -> MatVec.bf16(bf16, cols, x, 0, y, 0, from, to));
        return y;
    }
}
