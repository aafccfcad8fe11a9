package io.spikert.runtime.gpu;

import io.spikert.ffm.Vendor;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.runtime.DType;
import io.spikert.runtime.Tensor;
import io.spikert.runtime.backend.Activation;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.Floats;
import io.spikert.runtime.backend.GlaState;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.backend.Ints;
import io.spikert.runtime.backend.KvCache;
import io.spikert.runtime.backend.KvPrecision;
import io.spikert.runtime.backend.Memory;
import io.spikert.runtime.backend.Spikes;
import io.spikert.runtime.backend.StateImage;
import io.spikert.runtime.backend.WeightVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every operator of {@link Backend}, run with the same inputs on the CPU (the reference) and on a GPU
 * backend: results must agree to float rounding (the kernels sum in different orders), integer results
 * (spike counts) exactly. As llama.cpp's test-backend-ops: each op of each backend against the CPU. The
 * GPU is the fake one ({@link BackendOpsTest}) or a real device ({@link BackendOpsOnDeviceTest}).
 */
abstract class BackendOpsCases {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final SplittableRandom random = new SplittableRandom(20261206);
    private Arena arena;
    private CpuBackend cpu;
    private Memory cpuMemory;

    /** The GPU backends to compare, opened in turn. */
    abstract List<Vendor> vendors();

    abstract GpuBackend open(Vendor vendor);

    /** Relative to the largest magnitude of the CPU's result. */
    abstract double tolerance();

    @BeforeEach
    void openCpu() {
        arena = Arena.ofShared();
        cpu = new CpuBackend(2);
        cpuMemory = cpu.newMemory("the CPU side of a test");
    }

    @AfterEach
    void closeCpu() {
        cpuMemory.close();
        cpu.close();
        arena.close();
    }

    /** Runs {@code check} against each GPU backend of {@link #vendors()}. */
    void onEachGpu(BiConsumer<Vendor, GpuBackend> check) {
        for (Vendor vendor : vendors()) {
            try (GpuBackend gpu = open(vendor)) {
                check.accept(vendor, gpu);
            }
        }
    }

    /** The two backends side by side, each with its own memory. */
    private record Pair(CpuBackend cpu, Memory cm, GpuBackend gpu, Memory gm, double tolerance) {
        Floats[] put(float[] values) {
            Floats c = cm.floats(values.length, "input");
            Floats g = gm.floats(values.length, "input");
            cpu.upload(values, 0, values.length, c);
            gpu.upload(values, 0, values.length, g);
            return new Floats[] {c, g};
        }

        Floats[] zeros(int n) {
            return put(new float[n]);
        }

        WeightVector[] vector(float[] values) {
            return new WeightVector[] {cm.vector("v", values), gm.vector("v", values)};
        }

        /** Asserts the two buffers' first {@code n} floats agree to float rounding. */
        void assertClose(Floats[] f, int n, String what) {
            float[] a = new float[n];
            float[] b = new float[n];
            cpu.download(f[0], n, a, 0);
            gpu.download(f[1], n, b, 0);
            double scale = 0;
            for (float v : a) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < n; i++) {
                assertEquals(a[i], b[i], tolerance * Math.max(1, scale), what + ": element " + i + " of " + n);
            }
            assertTrue(scale > 0 || n == 0 || allZero(a), what + ": the reference computed something");
        }

        private static boolean allZero(float[] a) {
            for (float v : a) {
                if (v != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    private Pair pair(GpuBackend gpu) {
        return new Pair(cpu, cpuMemory, gpu, gpu.newMemory("the GPU side of a test"), tolerance());
    }

    private float[] randoms(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    private Tensor tensor(String name, DType dtype, int rows, int cols, float[] values) {
        MemorySegment seg = arena.allocate((long) rows * cols * dtype.byteSize(), 64);
        for (int i = 0; i < values.length; i++) {
            if (dtype == DType.F32) {
                seg.setAtIndex(F32, i, values[i]);
            } else {
                seg.setAtIndex(I16, i, (short) (Float.floatToIntBits(values[i]) >>> 16));
            }
        }
        return new Tensor(name, dtype, new long[] {rows, cols}, seg);
    }

    @Test
    void rowWiseAndElementWiseOperators() {
        onEachGpu((vendor, gpu) -> {
            Pair p = pair(gpu);
            try (Memory gm = p.gm()) {
                int n = 96, rows = 3;
                Floats[] x = p.put(randoms(n * rows, 2f));
                Floats[] out = p.zeros(n * rows);
                WeightVector[] w = p.vector(randoms(n, 1f));
                cpu.rmsnorm(x[0], w[0], out[0], n, rows, 1e-6f);
                gpu.rmsnorm(x[1], w[1], out[1], n, rows, 1e-6f);
                p.assertClose(out, n * rows, "rmsnorm");

                Floats[] y = p.put(randoms(n * rows, 1f));
                cpu.add(x[0], y[0], n * rows);
                gpu.add(x[1], y[1], n * rows);
                p.assertClose(x, n * rows, "add");

                cpu.siluMul(x[0], y[0], out[0], n * rows);
                gpu.siluMul(x[1], y[1], out[1], n * rows);
                p.assertClose(out, n * rows, "siluMul");

                WeightVector[] bias = p.vector(randoms(n, 1f));
                for (Activation act : Activation.values()) {
                    Floats[] z = p.put(randoms(n * rows, 3f));
                    cpu.biasAct(z[0], bias[0], n, rows, act, 16f);
                    gpu.biasAct(z[1], bias[1], n, rows, act, 16f);
                    p.assertClose(z, n * rows, "biasAct " + act);
                    cpu.biasAct(z[0], null, n, rows, act, 16f);
                    gpu.biasAct(z[1], null, n, rows, act, 16f);
                    p.assertClose(z, n * rows, "biasAct " + act + " without bias");
                }
            }
        });
    }

    @Test
    void embeddingAndDenseProducts() {
        onEachGpu((vendor, gpu) -> {
            Pair p = pair(gpu);
            try (Memory gm = p.gm()) {
                int out = 40, in = 64;
                for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                    Tensor t = tensor("w " + dtype, dtype, out, in, randoms(out * in, 0.5f));
                    var cw = p.cm().matrix(t);
                    var gw = gm.matrix(t);
                    int[] ids = {3, 0, 39, 3};
                    Ints ci = p.cm().ints(ids.length, "ids");
                    Ints gi = gm.ints(ids.length, "ids");
                    cpu.upload(ids, 0, ids.length, ci);
                    gpu.upload(ids, 0, ids.length, gi);
                    Floats[] e = p.zeros(ids.length * in);
                    cpu.embed(cw, ci, ids.length, e[0]);
                    gpu.embed(gw, gi, ids.length, e[1]);
                    p.assertClose(e, ids.length * in, "embed " + dtype);
                    for (int rows : new int[] {1, 5}) {
                        Floats[] x = p.put(randoms(rows * in, 1f));
                        Floats[] y = p.zeros(rows * out);
                        cpu.linear(cw, x[0], rows, y[0]);
                        gpu.linear(gw, x[1], rows, y[1]);
                        p.assertClose(y, rows * out, "linear " + dtype + " x " + rows + " rows");
                    }
                }
            }
        });
    }

    @Test
    void spikingAndInt8Products() {
        onEachGpu((vendor, gpu) -> {
            Pair p = pair(gpu);
            try (Memory gm = p.gm()) {
                int out = 24, in = 256;
                int[] codes = new int[out * in];
                for (int i = 0; i < codes.length; i++) {
                    codes[i] = random.nextInt(-127, 128);
                }
                codes[5] = 300; // an outlier beyond int8, kept exact
                float[] scales = new float[out * (in / 128)];
                for (int i = 0; i < scales.length; i++) {
                    scales[i] = 0.001f + (float) random.nextDouble() * 0.01f;
                }
                Int8Weights w = Int8Weights.fromCodes(arena, codes, out, in, scales);
                var cw = p.cm().int8("q", w);
                var gw = gm.int8("q", w);
                for (int rows : new int[] {1, 5}) {
                    float[] input = randoms(rows * in, 2f);
                    for (int i = 0; i < in / 4; i++) {
                        input[i] = 0; // silent channels
                    }
                    Floats[] x = p.put(input);
                    Spikes cs = p.cm().spikes(rows, in, "spikes");
                    Spikes gs = gm.spikes(rows, in, "spikes");
                    cpu.spikeEncode(x[0], in, 3f, rows, cs);
                    gpu.spikeEncode(x[1], in, 3f, rows, gs);
                    int[] cCounts = new int[rows * in], gCounts = new int[rows * in];
                    float[] cVth = new float[rows], gVth = new float[rows];
                    cpu.download(cs, rows, in, cCounts, cVth);
                    gpu.download(gs, rows, in, gCounts, gVth);
                    assertArrayEquals(cCounts, gCounts, "spike counts, " + rows + " rows");
                    assertArrayEquals(cVth, gVth, 1e-6f, "thresholds, " + rows + " rows");
                    Floats[] y = p.zeros(rows * out);
                    cpu.spikeLinear(cw, cs, rows, y[0]);
                    gpu.spikeLinear(gw, gs, rows, y[1]);
                    p.assertClose(y, rows * out, "spikeLinear x " + rows + " rows");
                    Floats[] z = p.zeros(rows * out);
                    cpu.int8Linear(cw, x[0], rows, z[0]);
                    gpu.int8Linear(gw, x[1], rows, z[1]);
                    p.assertClose(z, rows * out, "int8Linear x " + rows + " rows");
                }
                int d = 32, heads = 6;
                Floats[] q = p.put(randoms(heads * d, 1f));
                cpu.spikeQuantize(q[0], d, 3f, heads);
                gpu.spikeQuantize(q[1], d, 3f, heads);
                p.assertClose(q, heads * d, "spikeQuantize");
                Floats[] kv = p.put(randoms(heads * d, 1f));
                cpu.int8Quantize(kv[0], d, heads);
                gpu.int8Quantize(kv[1], d, heads);
                p.assertClose(kv, heads * d, "int8Quantize");
            }
        });
    }

    /** RoPE, then GLA and SWA over a chunk and decode steps after it, the SWA window wrapping. */
    @Test
    void positionAndAttentionOverAChunkAndDecodeSteps() {
        onEachGpu((vendor, gpu) -> {
            Pair p = pair(gpu);
            try (Memory gm = p.gm()) {
                int kvHeads = 2, group = 2, d = 16, heads = kvHeads * group, window = 5, chunk = 6;
                int qRow = heads * d, kvRow = kvHeads * d;
                float scale = (float) (1 / Math.sqrt(d));
                GlaState cg = p.cm().glaState(kvHeads, d);
                GlaState gg = gm.glaState(kvHeads, d);
                KvCache ck = p.cm().kvCache(kvHeads, heads, d, window, chunk);
                KvCache gk = gm.kvCache(kvHeads, heads, d, window, chunk);
                long pos = 0;
                for (int tokens : new int[] {chunk, 1, 1, chunk, 1}) {
                    Floats[] cos = p.zeros(tokens * d / 2);
                    Floats[] sin = p.zeros(tokens * d / 2);
                    cpu.ropeAngles(cos[0], sin[0], pos, tokens, d, 10000.0);
                    gpu.ropeAngles(cos[1], sin[1], pos, tokens, d, 10000.0);
                    p.assertClose(cos, tokens * d / 2, "rope cos at " + pos);
                    Floats[] q = p.put(randoms(tokens * qRow, 1f));
                    cpu.rope(q[0], cos[0], sin[0], tokens, heads, d, qRow);
                    gpu.rope(q[1], cos[1], sin[1], tokens, heads, d, qRow);
                    p.assertClose(q, tokens * qRow, "rope at " + pos);

                    float[] kvals = randoms(tokens * kvRow, 1f);
                    for (int i = 0; i < kvals.length; i++) {
                        kvals[i] = Math.abs(kvals[i]); // GLA's keys after relu
                    }
                    Floats[] k = p.put(kvals);
                    Floats[] v = p.put(randoms(tokens * kvRow, 1f));
                    float[] decay = randoms(tokens * kvRow, 0.05f);
                    for (int i = 0; i < decay.length; i++) {
                        decay[i] = -Math.abs(decay[i]); // log decay <= 0
                    }
                    Floats[] g = p.put(decay);
                    Floats[] o = p.zeros(tokens * qRow);
                    cpu.gla(cg, q[0], k[0], v[0], g[0], o[0], tokens, group, scale);
                    gpu.gla(gg, q[1], k[1], v[1], g[1], o[1], tokens, group, scale);
                    p.assertClose(o, tokens * qRow, "gla of " + tokens + " tokens at " + pos);

                    Floats[] a = p.zeros(tokens * qRow);
                    cpu.swa(ck, q[0], k[0], v[0], a[0], tokens, pos, group, scale);
                    gpu.swa(gk, q[1], k[1], v[1], a[1], tokens, pos, group, scale);
                    p.assertClose(a, tokens * qRow, "swa of " + tokens + " tokens at " + pos);
                    pos += tokens;
                }
            }
        });
    }

    /**
     * A full-attention window past {@code swa_attend}'s shared memory (a Qwen2 context of 20000 positions): a chunk's
     * queries attend by key splits as decode steps do ({@link DeviceOps#swaAttendFits}), over F32 and BF16 rings, as
     * the CPU's attention does.
     */
    @Test
    void aChunkUnderAWindowPastSharedMemoryAttendsAsTheCpuDoes() {
        onEachGpu((vendor, gpu) -> {
            Pair p = pair(gpu);
            try (Memory gm = p.gm()) {
                int kvHeads = 2, group = 3, d = 16, heads = kvHeads * group, window = 20_000, chunk = 8;
                assertFalse(DeviceOps.swaAttendFits(window), "the case must be past swa_attend's shared memory");
                int qRow = heads * d, kvRow = kvHeads * d;
                float scale = (float) (1 / Math.sqrt(d));
                for (KvPrecision precision : KvPrecision.values()) {
                    KvCache ck = p.cm().kvCache(kvHeads, heads, d, window, chunk, precision);
                    KvCache gk = gm.kvCache(kvHeads, heads, d, window, chunk, precision);
                    long pos = 0;
                    for (int tokens : new int[] {chunk, 5, 1, chunk}) {
                        Floats[] q = p.put(randoms(tokens * qRow, 1f));
                        Floats[] k = p.put(randoms(tokens * kvRow, 1f));
                        Floats[] v = p.put(randoms(tokens * kvRow, 1f));
                        Floats[] a = p.zeros(tokens * qRow);
                        cpu.swa(ck, q[0], k[0], v[0], a[0], tokens, pos, group, scale);
                        gpu.swa(gk, q[1], k[1], v[1], a[1], tokens, pos, group, scale);
                        p.assertClose(a, tokens * qRow, precision + " swa of " + tokens + " tokens at " + pos + ", window " + window);
                        pos += tokens;
                    }
                }
            }
        });
    }

    /**
     * State images ({@link StateImage}): after SWA ran over positions that wrap both rings (the CPU's W + 1 slots, the
     * device's W + chunk), each backend's image is exactly the last W keys and values given, in position order, so
     * the layout is the backends' common one; a GLA image agrees across backends; and an image loaded into a fresh
     * state of the other backend (and of its own) makes the next chunk's attention what it is in the original.
     */
    @Test
    void stateImagesShareOneLayoutAndResumeAcrossBackends() {
        onEachGpu((vendor, gpu) -> {
            Pair p = pair(gpu);
            try (Memory gm = p.gm()) {
                int kvHeads = 2, group = 2, d = 16, heads = kvHeads * group, window = 5, chunk = 3, w = window - 1;
                int qRow = heads * d, kvRow = kvHeads * d;
                float scale = (float) (1 / Math.sqrt(d));
                GlaState cg = p.cm().glaState(kvHeads, d);
                GlaState gg = gm.glaState(kvHeads, d);
                KvCache ck = p.cm().kvCache(kvHeads, heads, d, window, chunk);
                KvCache gk = gm.kvCache(kvHeads, heads, d, window, chunk);
                assertEquals(2 * kvHeads * 0 * d, cpu.saveState(ck, 0).length, "an empty ring's image");
                List<float[]> keys = new java.util.ArrayList<>();
                List<float[]> values = new java.util.ArrayList<>();
                long pos = 0;
                for (int tokens : new int[] {chunk, 1, chunk, 2, 1, 1}) { // 11 positions
                    Floats[] q = p.put(randoms(tokens * qRow, 1f));
                    float[] kv = randoms(tokens * kvRow, 1f);
                    float[] vv = randoms(tokens * kvRow, 1f);
                    for (int t = 0; t < tokens; t++) {
                        keys.add(java.util.Arrays.copyOfRange(kv, t * kvRow, (t + 1) * kvRow));
                        values.add(java.util.Arrays.copyOfRange(vv, t * kvRow, (t + 1) * kvRow));
                    }
                    Floats[] k = p.put(kv);
                    Floats[] v = p.put(vv);
                    Floats[] g = p.put(negatives(tokens * kvRow));
                    Floats[] o = p.zeros(tokens * qRow);
                    cpu.gla(cg, q[0], k[0], v[0], g[0], o[0], tokens, group, scale);
                    gpu.gla(gg, q[1], k[1], v[1], g[1], o[1], tokens, group, scale);
                    cpu.swa(ck, q[0], k[0], v[0], o[0], tokens, pos, group, scale);
                    gpu.swa(gk, q[1], k[1], v[1], o[1], tokens, pos, group, scale);
                    pos += tokens;

                    // the image: keys then values, [kvHeads][min(pos, W)][d], positions in order, as given
                    int n = (int) Math.min(pos, w);
                    float[] expected = new float[2 * kvHeads * n * d];
                    for (int j = 0; j < kvHeads; j++) {
                        for (int i = 0; i < n; i++) {
                            int at = (j * n + i) * d;
                            int position = (int) pos - n + i;
                            System.arraycopy(keys.get(position), j * d, expected, at, d);
                            System.arraycopy(values.get(position), j * d, expected, kvHeads * n * d + at, d);
                        }
                    }
                    assertArrayEquals(expected, cpu.saveState(ck, pos), "the CPU ring's image at " + pos);
                    assertArrayEquals(expected, gpu.saveState(gk, pos), vendor + ": the device ring's image at " + pos);
                }
                float[] cpuGla = cpu.saveState(cg, pos);
                float[] gpuGla = gpu.saveState(gg, pos);
                assertEquals(kvHeads * d * d, cpuGla.length);
                assertClose(cpuGla, gpuGla, "GLA images of the two backends");

                // each image into a fresh state of the other backend and of its own, then one more chunk everywhere
                GlaState cgFromGpu = p.cm().glaState(kvHeads, d);
                GlaState ggFromCpu = gm.glaState(kvHeads, d);
                KvCache ckFromGpu = p.cm().kvCache(kvHeads, heads, d, window, chunk);
                KvCache gkFromCpu = gm.kvCache(kvHeads, heads, d, window, 2); // another chunk (the 2 tokens below): another capacity
                cpu.loadState(gpuGla, pos, cgFromGpu);
                gpu.loadState(cpuGla, pos, ggFromCpu);
                cpu.loadState(gpu.saveState(gk, pos), pos, ckFromGpu);
                gpu.loadState(cpu.saveState(ck, pos), pos, gkFromCpu);
                var e = assertThrows(IllegalArgumentException.class, () -> gpu.loadState(new float[3], 11, gkFromCpu));
                assertTrue(e.getMessage().contains("a state image of 3 floats"), e.getMessage());

                int tokens = 2;
                float[] qv = randoms(tokens * qRow, 1f), kv = randoms(tokens * kvRow, 1f), vv = randoms(tokens * kvRow, 1f);
                float[] gv = negatives(tokens * kvRow);
                float[][] outs = new float[8][tokens * qRow];
                Backend[] backends = {cpu, gpu, cpu, gpu};
                Memory[] memories = {p.cm(), gm, p.cm(), gm};
                GlaState[] glas = {cg, gg, cgFromGpu, ggFromCpu};
                KvCache[] rings = {ck, gk, ckFromGpu, gkFromCpu};
                for (int b = 0; b < backends.length; b++) {
                    Backend ops = backends[b];
                    Memory m = memories[b];
                    Floats q = m.floats(qv.length, "q"), k = m.floats(kv.length, "k"), v = m.floats(vv.length, "v");
                    Floats g = m.floats(gv.length, "g"), o = m.floats(qv.length, "out");
                    ops.upload(qv, 0, qv.length, q);
                    ops.upload(kv, 0, kv.length, k);
                    ops.upload(vv, 0, vv.length, v);
                    ops.upload(gv, 0, gv.length, g);
                    ops.gla(glas[b], q, k, v, g, o, tokens, group, scale);
                    ops.download(o, qv.length, outs[2 * b], 0);
                    ops.swa(rings[b], q, k, v, o, tokens, pos, group, scale);
                    ops.download(o, qv.length, outs[2 * b + 1], 0);
                }
                for (int b = 1; b < 4; b++) {
                    assertClose(outs[0], outs[2 * b], "GLA after loading, state " + b + " of " + vendor);
                    assertClose(outs[1], outs[2 * b + 1], "SWA after loading, ring " + b + " of " + vendor);
                }
                // the rings' images were the keys and values given, exactly, on both backends: the CPU's attention
                // over the device's image is its own, bit for bit
                assertArrayEquals(outs[1], outs[5], "the CPU's SWA over the device ring's image");
            }
        });
    }

    private float[] negatives(int n) {
        float[] decay = randoms(n, 0.05f);
        for (int i = 0; i < decay.length; i++) {
            decay[i] = -Math.abs(decay[i]); // log decay <= 0
        }
        return decay;
    }

    private void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 0, what + ": the reference computed something");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance() * Math.max(1, scale), what + ": element " + i);
        }
    }
}
