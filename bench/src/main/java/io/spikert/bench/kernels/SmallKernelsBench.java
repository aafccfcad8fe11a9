package io.spikert.bench.kernels;

import io.spikert.kernels.Activations;
import io.spikert.kernels.GlaChunk;
import io.spikert.kernels.GlaStep;
import io.spikert.kernels.RmsNorm;
import io.spikert.kernels.Rope;
import io.spikert.kernels.SlidingWindowAttention;
import io.spikert.kernels.Softmax;
import io.spikert.kernels.SwiGlu;
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

/** The per-token element-wise and attention kernels at 7B shapes (hidden 3584, head dim 128, group 7). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SmallKernelsBench {

    @Param({"3584"})
    public int hidden;

    @Param({"18944"})
    public int intermediate;

    @Param({"128"})
    public int headDim;

    @Param({"7"})
    public int group;

    /** Window + 1 keys attended by a sliding-window query. */
    @Param({"4096"})
    public int window;

    @Param({"64"})
    public int chunk;

    private float[] x, weight, out, gate, up, cos, sin, heads;
    private float[] state, k, v, g, q, gOut;
    private float[] keys, values, scratch, qh;

    @Setup(Level.Trial)
    public void setup() {
        x = BenchData.randoms(hidden, 1);
        weight = BenchData.randoms(hidden, 2);
        out = new float[Math.max(hidden, intermediate)];
        gate = BenchData.randoms(intermediate, 3);
        up = BenchData.randoms(intermediate, 4);
        cos = new float[headDim / 2];
        sin = new float[headDim / 2];
        Rope.angles(1000, 1e6, headDim, cos, sin);
        heads = BenchData.randoms(hidden, 5);
        state = BenchData.randoms(headDim * headDim, 6);
        k = BenchData.randoms(chunk * headDim, 7);
        v = BenchData.randoms(chunk * headDim, 8);
        g = BenchData.randoms(chunk * headDim, 9);
        for (int i = 0; i < g.length; i++) {
            g[i] = -Math.abs(g[i]) / 16;
        }
        q = BenchData.randoms(chunk * group * headDim, 10);
        gOut = new float[chunk * group * headDim];
        keys = BenchData.randoms(window * headDim, 11);
        values = BenchData.randoms(window * headDim, 12);
        scratch = new float[window];
        qh = BenchData.randoms(headDim, 13);
    }

    @Benchmark
    public float[] rmsNorm() {
        RmsNorm.apply(x, 0, weight, 0, out, 0, hidden, 1e-6f);
        return out;
    }

    @Benchmark
    public float[] swiGlu() {
        SwiGlu.siluMul(gate, 0, up, 0, out, 0, intermediate);
        return out;
    }

    @Benchmark
    public float[] softmax() {
        System.arraycopy(gate, 0, out, 0, window);
        Softmax.inPlace(out, 0, window);
        return out;
    }

    @Benchmark
    public float[] logSigmoid() {
        System.arraycopy(x, 0, out, 0, hidden);
        Activations.logSigmoid(out, 0, hidden, 16f);
        return out;
    }

    @Benchmark
    public float[] ropeAllHeads() {
        Rope.rotateHalf(heads, 0, hidden / headDim, headDim, cos, sin);
        return heads;
    }

    /** One decode token of one kv head: update plus a readout for each query head of the group. */
    @Benchmark
    public float[] glaStep() {
        GlaStep.update(state, 0, headDim, k, 0, v, 0, g, 0);
        for (int n = 0; n < group; n++) {
            GlaStep.readout(state, 0, headDim, q, n * headDim, 0.088f, gOut, n * headDim);
        }
        return gOut;
    }

    /** A chunk of prefill tokens of one kv head; divide by {@code chunk} to compare with glaStep. */
    @Benchmark
    public float[] glaChunk() {
        GlaChunk.prefill(state, 0, headDim, group, chunk, 0.088f, q, 0, group * headDim, k, 0, headDim,
                v, 0, headDim, g, 0, headDim, gOut, 0, group * headDim);
        return gOut;
    }

    @Benchmark
    public float[] slidingWindowAttention() {
        SlidingWindowAttention.attend(qh, 0, headDim, 0.088f, keys, values, 0, window, 10_000, 10_000 + window - 1,
                scratch, out, 0);
        return out;
    }
}
