package io.spikert.bench.kernels;

import io.spikert.kernels.MatVec;
import io.spikert.kernels.QuantFormat;
import io.spikert.kernels.QuantMatVec;
import io.spikert.kernels.QuantWeights;
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
 * Single-thread GEMV over a weight matrix far larger than the caches. GB/s of weights =
 * rows * cols * bytesPerElem / time; compare {@code matVec} with {@code readBaseline} (a plain vector
 * sum over the very same bytes) from the same run. Q8 and Q4 are the same F32 matrix quantised at load
 * ({@link QuantWeights}; their read baseline sums the codes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatVecBench {

    @Param({"F32", "BF16", "Q8", "Q4"})
    public String dtype;

    @Param({"3584"})
    public int rows;

    @Param({"18944"})
    public int cols;

    private Arena arena;
    private MemorySegment w;
    private QuantWeights q;
    private float[] x;
    private float[] y;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        boolean quantized = dtype.startsWith("Q");
        w = BenchData.weights(arena, quantized ? "F32" : dtype, rows, cols, 42);
        if (quantized) {
            q = QuantWeights.quantize(arena, w, false, rows, cols, QuantFormat.valueOf(dtype));
            w = q.codes();
        }
        x = BenchData.randoms(cols, 7);
        y = new float[rows];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] matVec() {
        if (q != null) {
            QuantMatVec.multiply(q, x, 0, y, 0, 0, rows);
        } else if (dtype.equals("F32")) {
            MatVec.f32(w, cols, x, 0, y, 0, 0, rows);
        } else {
            MatVec.bf16(w, cols, x, 0, y, 0, 0, rows);
        }
        return y;
    }

    @Benchmark
    public float readBaseline() {
        return BenchData.vectorSum(w);
    }
}
