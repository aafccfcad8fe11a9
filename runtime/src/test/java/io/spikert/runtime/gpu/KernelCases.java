package io.spikert.runtime.gpu;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuStream;
import io.spikert.kernels.ActivationsScalar;
import io.spikert.kernels.Bf16;
import io.spikert.kernels.GlaChunkScalar;
import io.spikert.kernels.GlaStepScalar;
import io.spikert.kernels.MatMulScalar;
import io.spikert.kernels.MatVecScalar;
import io.spikert.kernels.RmsNormScalar;
import io.spikert.kernels.Rope;
import io.spikert.kernels.RopeScalar;
import io.spikert.kernels.SlidingWindowAttentionScalar;
import io.spikert.kernels.SwiGluScalar;
import io.spikert.kernels.spike.Int8MatVecScalar;
import io.spikert.kernels.spike.Int8Weights;
import io.spikert.kernels.spike.SpikeCounts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One case per catalogue kernel: random inputs uploaded through a {@link GpuDriver}, the kernel
 * launched with the grid the backend would use, and the outputs next to the scalar twin called
 * directly on host arrays. Shared by the fake-driver test (exact) and the real-GPU test (tolerance).
 */
final class KernelCases {
    /** One output buffer of one launch; {@code gpuTolerance} bounds |actual - expected| / (1 + |expected|) on a real GPU. */
    record Outcome(String kernel, String output, float[] actual, float[] expected, float gpuTolerance) {}

    private final GpuDriver d;
    private final LoadedKernels k;
    private final Random rnd;
    private final List<Long> allocations = new ArrayList<>();

    KernelCases(GpuDriver d, LoadedKernels k, long seed) {
        this.d = d;
        this.k = k;
        this.rnd = new Random(seed);
    }

    static final List<String> NAMES = List.of("rmsnorm", "rope_rotate_half", "silu_mul", "embedding_gather_bf16",
            "embedding_gather_f32", "gla_step", "gla_chunk", "swa_attend_decode", "swa_attend_prefill", "swa_attend_bf16_decode",
            "swa_attend_bf16_prefill", "swa_decode_split", "swa_decode_split_bf16",
            "swa_decode_combine", "spike_encode",
            "int8_matvec", "spike_matmul", "int8_float_matmul", "spike_quantize", "int8_quantize", "matvec_bf16", "matvec_f32", "matmul_bf16", "matmul_f32",
            "bias_act", "add_inplace", "rope_angles", "kv_ring_store", "kv_ring_store_bf16");

    /**
     * Runs case {@code name} (a kernel name, or a kernel name with _decode / _prefill for the two uses of swa_attend
     * and its _bf16 twin) and frees its buffers.
     */
    List<Outcome> run(String name) {
        try {
            return switch (name) {
                case "rmsnorm" -> rmsnorm();
                case "rope_rotate_half" -> rope();
                case "silu_mul" -> siluMul();
                case "embedding_gather_bf16" -> gather(true);
                case "embedding_gather_f32" -> gather(false);
                case "gla_step" -> glaStep();
                case "gla_chunk" -> glaChunk();
                case "swa_attend_decode" -> swa(1, 10, 6, 8, false);
                case "swa_attend_prefill" -> swa(3, 5, 4, 8, false);
                case "swa_attend_bf16_decode" -> swa(1, 10, 6, 8, true);
                case "swa_attend_bf16_prefill" -> swa(3, 5, 4, 8, true);
                case "swa_decode_split" -> swaDecodeSplit(false);
                case "swa_decode_split_bf16" -> swaDecodeSplit(true);
                case "swa_decode_combine" -> swaDecodeCombine();
                case "spike_encode" -> spikeEncode();
                case "int8_matvec" -> int8();
                case "spike_matmul" -> int8Tokens(true);
                case "int8_float_matmul" -> int8Tokens(false);
                case "spike_quantize" -> spikeQuantize();
                case "int8_quantize" -> int8Quantize();
                case "matvec_bf16" -> matvec(true);
                case "matvec_f32" -> matvec(false);
                case "matmul_bf16" -> matmul(true);
                case "matmul_f32" -> matmul(false);
                case "bias_act" -> biasAct();
                case "add_inplace" -> addInPlace();
                case "rope_angles" -> ropeAngles();
                case "kv_ring_store" -> kvRingStore(false);
                case "kv_ring_store_bf16" -> kvRingStore(true);
                default -> throw new IllegalArgumentException("no case " + name);
            };
        } finally {
            allocations.forEach(d::free);
            allocations.clear();
        }
    }

    private List<Outcome> rmsnorm() {
        int n = 256, rows = 3;
        float[] x = gaussian(n * rows), w = gaussian(n);
        long dx = up(x), dw = up(w), dout = up(new float[n * rows]);
        launch("rmsnorm", rows, 1, 128, 1, 0, dx, dw, dout, n, 1e-6f, rows);
        float[] expected = new float[n * rows];
        for (int r = 0; r < rows; r++) {
            RmsNormScalar.apply(x, r * n, w, 0, expected, r * n, n, 1e-6f);
        }
        return List.of(new Outcome("rmsnorm", "out", floats(dout, n * rows), expected, 1e-5f));
    }

    private List<Outcome> rope() {
        int tokens = 3, heads = 4, hd = 16, ldx = heads * hd + 8, half = hd / 2;
        float[] x = gaussian((tokens - 1) * ldx + heads * hd), cos = gaussian(tokens * half), sin = gaussian(tokens * half);
        long dx = up(x);
        launch("rope_rotate_half", tokens, 1, 64, 1, 0, dx, up(cos), up(sin), tokens, heads, hd, ldx);
        float[] expected = x.clone();
        for (int t = 0; t < tokens; t++) {
            RopeScalar.rotateHalf(expected, t * ldx, heads, hd, Arrays.copyOfRange(cos, t * half, (t + 1) * half),
                    Arrays.copyOfRange(sin, t * half, (t + 1) * half));
        }
        return List.of(new Outcome("rope_rotate_half", "x", floats(dx, x.length), expected, 1e-5f));
    }

    private List<Outcome> siluMul() {
        int n = 1000;
        float[] g = gaussian(n), u = gaussian(n);
        long dout = up(new float[n]);
        launch("silu_mul", 4, 1, 256, 1, 0, up(g), up(u), dout, n);
        float[] expected = new float[n];
        SwiGluScalar.siluMul(g, 0, u, 0, expected, 0, n);
        return List.of(new Outcome("silu_mul", "out", floats(dout, n), expected, 1e-5f));
    }

    private List<Outcome> gather(boolean bf16) {
        int rows = 10, dim = 64;
        int[] ids = {3, 0, 9, 3};
        float[] table = gaussian(rows * dim);
        short[] bits = new short[rows * dim];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) (Float.floatToRawIntBits(table[i]) >>> 16);
            if (bf16) {
                table[i] = Float.intBitsToFloat((bits[i] & 0xffff) << 16); // the value bf16 stores: truncated
            }
        }
        long dtable = bf16 ? up(bits) : up(table);
        long dout = up(new float[ids.length * dim]);
        String name = bf16 ? "embedding_gather_bf16" : "embedding_gather_f32";
        launch(name, ids.length, 1, 64, 1, 0, dtable, up(ids), dout, ids.length, dim);
        float[] expected = new float[ids.length * dim];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(table, ids[t] * dim, expected, t * dim, dim);
        }
        return List.of(new Outcome(name, "out", floats(dout, expected.length), expected, 0f));
    }

    /** d 40: a full and a partial block of 32 columns; a group of 9 (over the 8 sums a thread keeps). */
    private List<Outcome> glaStep() {
        int d = 40, group = 9, kvh = 2;
        float scale = 0.25f;
        float[] state = gaussian(kvh * d * d), q = gaussian(kvh * group * d), kk = gaussian(kvh * d),
                v = gaussian(kvh * d), g = negative(kvh * d);
        long ds = up(state), dout = up(new float[kvh * group * d]);
        launch("gla_step", 2, kvh, 256, 1, 0, ds, up(q), up(kk), up(v), up(g), dout, d, group, scale, kvh);
        float[] es = state.clone(), eo = new float[kvh * group * d];
        for (int h = 0; h < kvh; h++) {
            GlaStepScalar.update(es, h * d * d, d, kk, h * d, v, h * d, g, h * d);
            for (int n = 0; n < group; n++) {
                GlaStepScalar.readout(es, h * d * d, d, q, (h * group + n) * d, scale, eo, (h * group + n) * d);
            }
        }
        return List.of(new Outcome("gla_step", "state", floats(ds, es.length), es, 1e-5f),
                new Outcome("gla_step", "out", floats(dout, eo.length), eo, 1e-4f));
    }

    private List<Outcome> glaChunk() {
        int d = 16, group = 2, kvh = 2, tokens = 5;
        int ldq = kvh * group * d + 3, ldk = kvh * d + 1, ldv = kvh * d + 2, ldg = kvh * d, ldo = kvh * group * d + 5;
        float scale = 0.25f;
        float[] state = gaussian(kvh * d * d);
        float[] q = gaussian(tokens * ldq), kk = gaussian(tokens * ldk), v = gaussian(tokens * ldv), g = negative(tokens * ldg);
        float[] out = gaussian(tokens * ldo); // padding between rows must survive
        long ds = up(state), dout = up(out);
        launch("gla_chunk", kvh, 1, 32, 1, 0, ds, up(q), up(kk), up(v), up(g), dout, d, group, tokens, scale, kvh,
                ldq, ldk, ldv, ldg, ldo);
        float[] es = state.clone(), eo = out.clone();
        for (int h = 0; h < kvh; h++) {
            GlaChunkScalar.prefill(es, h * d * d, d, group, tokens, scale, q, h * group * d, ldq, kk, h * d, ldk,
                    v, h * d, ldv, g, h * d, ldg, eo, h * group * d, ldo);
        }
        return List.of(new Outcome("gla_chunk", "state", floats(ds, es.length), es, 1e-4f),
                new Outcome("gla_chunk", "out", floats(dout, eo.length), eo, 1e-4f));
    }

    private List<Outcome> swa(int tokens, long lastPos0, int window, int capacity, boolean bf16) {
        int heads = 4, kvh = 2, d = 16, ldq = heads * d + 4, ldo = heads * d + 2;
        float scale = 0.25f;
        float[] q = gaussian(tokens * ldq), keys = ring(kvh * capacity * d, bf16), values = ring(kvh * capacity * d, bf16);
        float[] out = gaussian(tokens * ldo);
        long dout = up(out);
        String kernel = bf16 ? "swa_attend_bf16" : "swa_attend";
        launch(kernel, heads, tokens, 64, 1, 4 * window, up(q), upRing(keys, bf16), upRing(values, bf16), dout, tokens, heads,
                kvh, d, capacity, window, lastPos0, scale, ldq, ldo);
        float[] expected = out.clone(), scratch = new float[window];
        for (int t = 0; t < tokens; t++) {
            long pos = lastPos0 + t;
            for (int h = 0; h < heads; h++) {
                SlidingWindowAttentionScalar.attend(q, t * ldq + h * d, d, scale, keys, values, (h / (heads / kvh)) * capacity * d,
                        capacity, Math.max(0, pos - window + 1), pos, scratch, expected, t * ldo + h * d);
            }
        }
        return List.of(new Outcome(kernel, "out", floats(dout, expected.length), expected, 1e-5f));
    }

    /**
     * Position 14 of a window of 6 in a ring of 7: positions 9..14 in slots 2, 3, 4, 5 | 6, 0, split 4 + 2,
     * the second split wrapping; a group of 9 query heads per kv head (more than the 8 accumulators a
     * thread keeps) and a head dimension of 40 (a partial second register chunk). The twin's partials on host arrays are the expectation (that twin is
     * checked against plain attention in SwaDecodeTest).
     */
    private List<Outcome> swaDecodeSplit(boolean bf16) {
        int heads = 18, kvh = 2, d = 40, capacity = 7, window = 6, splitKeys = 4, splits = 2;
        long pos = 14;
        float scale = 0.25f;
        float[] q = gaussian(heads * d), keys = ring(kvh * capacity * d, bf16), values = ring(kvh * capacity * d, bf16);
        long po = up(new float[heads * splits * d]), pm = up(new float[heads * splits]), ps = up(new float[heads * splits]);
        String kernel = bf16 ? "swa_decode_split_bf16" : "swa_decode_split";
        launch(kernel, splits, kvh, 64, 1, 4 * (heads / kvh) * (d + splitKeys), up(q), upRing(keys, bf16),
                upRing(values, bf16), po, pm, ps, heads, kvh, d, capacity, window, pos, scale, splitKeys, splits);
        float[] eo = new float[heads * splits * d], em = new float[heads * splits], es = new float[heads * splits];
        for (int h = 0; h < kvh; h++) {
            for (int s = 0; s < splits; s++) {
                SwaDecodeSplitTwin.splitBlock(q, keys, values, heads, kvh, d, capacity, window, pos, scale, splitKeys, splits,
                        s, h, eo, em, es);
            }
        }
        return List.of(new Outcome(kernel, "partOut", floats(po, eo.length), eo, 1e-5f),
                new Outcome(kernel, "partMax", floats(pm, em.length), em, 1e-5f),
                new Outcome(kernel, "partSum", floats(ps, es.length), es, 1e-5f));
    }

    /** Partials of 3 splits of which the last is neutral (max -inf, sum 0), as an empty split leaves it. */
    private List<Outcome> swaDecodeCombine() {
        int heads = 3, d = 40, splits = 3;
        float[] po = gaussian(heads * splits * d), pm = gaussian(heads * splits), ps = new float[heads * splits];
        for (int h = 0; h < heads; h++) {
            for (int s = 0; s < splits; s++) {
                int at = h * splits + s;
                ps[at] = s == splits - 1 ? 0f : 1f + 3 * rnd.nextFloat();
                if (s == splits - 1) {
                    pm[at] = Float.NEGATIVE_INFINITY;
                    Arrays.fill(po, at * d, at * d + d, 0f);
                }
            }
        }
        long dout = up(new float[heads * d]);
        launch("swa_decode_combine", heads, 1, 64, 1, 4 * 2 * d, up(po), up(pm), up(ps), dout, heads, d, splits);
        float[] expected = new float[heads * d];
        for (int h = 0; h < heads; h++) {
            SwaDecodeSplitTwin.combineBlock(po, pm, ps, h, d, splits, expected, h * d);
        }
        return List.of(new Outcome("swa_decode_combine", "out", floats(dout, expected.length), expected, 1e-5f));
    }

    private List<Outcome> spikeEncode() {
        int n = 512, rows = 2;
        float[] x = gaussian(n * rows);
        x[5] = 0;
        long dc = up(new int[n * rows]), dv = up(new float[rows]);
        launch("spike_encode", rows, 1, 128, 1, 0, up(x), dc, dv, n, SpikeCounts.DEFAULT_K, rows);
        int[] counts = new int[n * rows];
        float[] vth = new float[rows];
        for (int r = 0; r < rows; r++) {
            vth[r] = SpikeCounts.encode(x, r * n, n, SpikeCounts.DEFAULT_K, counts, r * n);
        }
        // A count can flip by one on a real GPU only if x / vth sits on a .5 tie; tolerance covers that.
        return List.of(new Outcome("spike_encode", "counts", toFloat(ints(dc, n * rows)), toFloat(counts), 1f),
                new Outcome("spike_encode", "vth", floats(dv, rows), vth, 0f));
    }

    private List<Outcome> int8() {
        int rows = 40, cols = 640;
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = rnd.nextInt(20) == 0 ? rnd.nextInt(401) - 200 : rnd.nextInt(255) - 127;
        }
        float[] scales = new float[rows * (cols / Int8Weights.GROUP)];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 1e-3f + rnd.nextFloat() * 1e-2f;
        }
        int[] counts = new int[cols];
        for (int i = 0; i < cols; i++) {
            counts[i] = rnd.nextBoolean() ? 0 : rnd.nextInt(7) - 3;
        }
        float vth = 0.05f;
        Int8DeviceLayout layout = Int8DeviceLayout.fromCodes(codes, rows, cols);
        long dy = up(new float[rows]);
        launch("int8_matvec", (rows + 3) / 4, 1, 128, 1, 0, up(layout.rowMajor()), up(scales),
                up(layout.outlierStart()), up(nonEmpty(layout.outlierCol())), up(nonEmpty(layout.outlierResidual())),
                up(counts), up(new float[] {vth}), dy, rows, cols);
        float[] expected = new float[rows];
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights w = Int8Weights.fromCodes(arena, codes, rows, cols, scales);
            Int8MatVecScalar.dense(w, counts, 0, vth, expected, 0, 0, rows);
        }
        return List.of(new Outcome("int8_matvec", "y", floats(dy, rows), expected, 1e-5f));
    }

    /**
     * 11 tokens: a full tile of 8 and a partial one; 40 rows: a partial block of 8 warps; 640 inputs: a
     * whole warp step of 512 codes (16 a lane) and a partial one of one group.
     */
    private List<Outcome> int8Tokens(boolean spiked) {
        int rows = 40, cols = 640, tokens = 11;
        int[] codes = new int[rows * cols];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = rnd.nextInt(20) == 0 ? rnd.nextInt(401) - 200 : rnd.nextInt(255) - 127;
        }
        float[] scales = new float[rows * (cols / Int8Weights.GROUP)];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 1e-3f + rnd.nextFloat() * 1e-2f;
        }
        int[] counts = new int[tokens * cols];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = rnd.nextBoolean() ? 0 : rnd.nextInt(7) - 3;
        }
        float[] vth = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            vth[t] = 0.01f + rnd.nextFloat() * 0.1f;
        }
        float[] x = gaussian(tokens * cols);
        Int8DeviceLayout layout = Int8DeviceLayout.fromCodes(codes, rows, cols);
        long dy = up(new float[tokens * rows]);
        String name = spiked ? "spike_matmul" : "int8_float_matmul";
        long dCodes = up(layout.rowMajor()), dScales = up(scales), dStart = up(layout.outlierStart());
        long dCol = up(nonEmpty(layout.outlierCol())), dResidual = up(nonEmpty(layout.outlierResidual()));
        if (spiked) {
            launch(name, (rows + 7) / 8, (tokens + 7) / 8, 256, 1, 0, dCodes, dScales, dStart, dCol, dResidual,
                    up(counts), up(vth), dy, rows, cols, tokens);
        } else {
            launch(name, (rows + 7) / 8, (tokens + 7) / 8, 256, 1, 0, dCodes, dScales, dStart, dCol, dResidual,
                    up(x), dy, rows, cols, tokens);
        }
        float[] expected = new float[tokens * rows];
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights w = Int8Weights.fromCodes(arena, codes, rows, cols, scales);
            for (int t = 0; t < tokens; t++) {
                if (spiked) {
                    Int8MatVecScalar.dense(w, counts, t * cols, vth[t], expected, t * rows, 0, rows);
                } else {
                    Int8MatVecScalar.denseFloat(w, x, t * cols, expected, t * rows, 0, rows);
                }
            }
        }
        return List.of(new Outcome(name, "y", floats(dy, expected.length), expected, 1e-5f));
    }

    private List<Outcome> spikeQuantize() {
        int n = 32, rows = 5;
        float[] x = gaussian(n * rows);
        long dx = up(x);
        launch("spike_quantize", rows, 1, 32, 1, 0, dx, n, SpikeCounts.DEFAULT_K, rows);
        float[] expected = new float[n * rows];
        int[] counts = new int[n];
        for (int r = 0; r < rows; r++) {
            float vth = SpikeCounts.encode(x, r * n, n, SpikeCounts.DEFAULT_K, counts, 0);
            for (int i = 0; i < n; i++) {
                expected[r * n + i] = vth * counts[i];
            }
        }
        // On a real GPU a value on a .5 tie of x / vth may round the other way: one vth apart.
        return List.of(new Outcome("spike_quantize", "x", floats(dx, n * rows), expected, 1f));
    }

    /** MODEL.md section 4's key/value quantiser, written out here as the plain reference. */
    private List<Outcome> int8Quantize() {
        int n = 32, rows = 4;
        float[] x = gaussian(n * rows);
        for (int i = 0; i < n; i++) {
            x[n + i] = 1e-7f * x[n + i]; // row 1: below the 1e-5 scale floor, so codes are clamped small
        }
        x[3 * n + 7] = Float.NaN; // row 3: a NaN makes the whole head NaN, as on the CPU (not a finite -128 * scale)
        long dx = up(x);
        launch("int8_quantize", rows, 1, 32, 1, 0, dx, n, rows);
        float[] expected = new float[n * rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, Math.abs(x[r * n + i]));
            }
            float scale = Math.clamp(max / 127f, 1e-5f, 1e4f);
            for (int i = 0; i < n; i++) {
                expected[r * n + i] = (float) Math.clamp(Math.rint(x[r * n + i] / scale), -128, 127) * scale;
            }
        }
        // A tie of x / scale may round the other way on a real GPU: one scale (max / 127) apart.
        return List.of(new Outcome("int8_quantize", "x", floats(dx, n * rows), expected, 0.05f));
    }

    private List<Outcome> matvec(boolean bf16) {
        int rows = 50, cols = 300;
        float[] x = gaussian(cols);
        MemorySegment w = weights(bf16, rows * cols);
        long dy = up(new float[rows]);
        String name = bf16 ? "matvec_bf16" : "matvec_f32";
        launch(name, (rows + 3) / 4, 1, 128, 1, 0, up(w), up(x), dy, rows, cols);
        float[] expected = new float[rows];
        if (bf16) {
            MatVecScalar.bf16(w, cols, x, 0, expected, 0, 0, rows);
        } else {
            MatVecScalar.f32(w, cols, x, 0, expected, 0, 0, rows);
        }
        return List.of(new Outcome(name, "y", floats(dy, rows), expected, 1e-5f));
    }

    private List<Outcome> matmul(boolean bf16) {
        int rows = 37, cols = 45, tokens = 5, ldx = 50, ldy = 40;
        float[] x = gaussian((tokens - 1) * ldx + cols), y = gaussian((tokens - 1) * ldy + rows);
        MemorySegment w = weights(bf16, rows * cols);
        long dy = up(y);
        String name = bf16 ? "matmul_bf16" : "matmul_f32";
        d.launch(k.kernel(name), (rows + 15) / 16, (tokens + 15) / 16, 1, 16, 16, 1, 0, GpuStream.DEFAULT,
                KernelCatalog.kernel(name).args(up(w), up(x), ldx, tokens, dy, ldy, rows, cols));
        d.synchronize();
        float[] expected = y.clone();
        if (bf16) {
            MatMulScalar.bf16(w, cols, x, 0, ldx, tokens, expected, 0, ldy, 0, rows);
        } else {
            MatMulScalar.f32(w, cols, x, 0, ldx, tokens, expected, 0, ldy, 0, rows);
        }
        return List.of(new Outcome(name, "y", floats(dy, expected.length), expected, 1e-5f));
    }

    /** Every activation code, with and without a bias (a null bias pointer means none). */
    private List<Outcome> biasAct() {
        int n = 37, rows = 3;
        List<Outcome> all = new ArrayList<>();
        for (int act = 0; act < 3; act++) {
            for (boolean withBias : new boolean[] {true, false}) {
                float[] y = gaussian(n * rows), bias = gaussian(n);
                for (int i = 0; i < y.length; i += 7) {
                    y[i] *= 30; // both tails of logsigmoid
                }
                long dy = up(y);
                launch("bias_act", 2, 1, 64, 1, 0, dy, withBias ? up(bias) : 0L, n, rows, act, 16f);
                float[] expected = y.clone();
                if (withBias) {
                    for (int r = 0; r < rows; r++) {
                        ActivationsScalar.addBias(expected, r * n, bias, 0, n);
                    }
                }
                if (act == 1) {
                    ActivationsScalar.relu(expected, 0, n * rows);
                } else if (act == 2) {
                    ActivationsScalar.logSigmoid(expected, 0, n * rows, 16f);
                }
                all.add(new Outcome("bias_act", "y (act " + act + (withBias ? ", bias)" : ", no bias)"),
                        floats(dy, y.length), expected, 1e-5f));
            }
        }
        return all;
    }

    private List<Outcome> addInPlace() {
        int n = 1000;
        float[] x = gaussian(n), y = gaussian(n);
        long dx = up(x);
        launch("add_inplace", 3, 1, 128, 1, 0, dx, up(y), n);
        float[] expected = x.clone();
        for (int i = 0; i < n; i++) {
            expected[i] += y[i];
        }
        return List.of(new Outcome("add_inplace", "x", floats(dx, n), expected, 0f));
    }

    private List<Outcome> ropeAngles() {
        int tokens = 3, hd = 16, half = hd / 2;
        long pos0 = 4093;
        float theta = 10000f;
        long dc = up(new float[tokens * half]), ds = up(new float[tokens * half]);
        launch("rope_angles", tokens, 1, 32, 1, 0, dc, ds, pos0, tokens, hd, theta);
        float[] ec = new float[tokens * half], es = new float[tokens * half];
        for (int t = 0; t < tokens; t++) {
            double p = (float) (pos0 + t);
            for (int i = 0; i < half; i++) {
                // The definition, written out: angle = position * theta^(-2i/D), both rounded to float.
                float angle = (float) p * (float) (1.0 / Math.pow(theta, 2.0 * i / hd));
                ec[t * half + i] = (float) Math.cos(angle);
                es[t * half + i] = (float) Math.sin(angle);
            }
        }
        float[] rc = new float[half], rs = new float[half];
        Rope.angles(pos0, theta, hd, rc, rs);
        if (!Arrays.equals(rc, Arrays.copyOf(ec, half))) {
            throw new AssertionError("the CPU's Rope.angles no longer follows the written-out definition");
        }
        return List.of(new Outcome("rope_angles", "cos", floats(dc, ec.length), ec, 1e-6f),
                new Outcome("rope_angles", "sin", floats(ds, es.length), es, 1e-6f));
    }

    /** Positions wrap around the ring: slots (pos0 + t) % capacity, the other slots untouched. */
    /**
     * Rows 6, 7, 8 into a ring of 4 slots (wrapping); in the _bf16 twin each value rounded to nearest even as
     * {@link Bf16#bits} rounds it, a tie and a NaN among them, and the slots not written left as they were.
     */
    private List<Outcome> kvRingStore(boolean bf16) {
        int tokens = 3, kvh = 2, d = 8, capacity = 4, ldk = kvh * d + 3, ldv = kvh * d + 1;
        long pos0 = 6;
        float[] keys = ring(kvh * capacity * d, bf16), values = ring(kvh * capacity * d, bf16);
        float[] k = gaussian(tokens * ldk), v = gaussian(tokens * ldv);
        k[0] = Float.intBitsToFloat(0x3F80_8000); // halfway between two BF16 values: to even (1.0)
        k[1] = Float.intBitsToFloat(0x3F81_8000); // halfway, rounding up to even
        v[0] = Float.intBitsToFloat(0x7FA0_0001); // a signalling NaN: stays a NaN
        long dkeys = upRing(keys, bf16), dvalues = upRing(values, bf16);
        String kernel = bf16 ? "kv_ring_store_bf16" : "kv_ring_store";
        launch(kernel, tokens, kvh, 32, 1, 0, dkeys, dvalues, up(k), up(v), tokens, kvh, d, capacity, pos0, ldk, ldv);
        float[] ek = keys.clone(), ev = values.clone();
        for (int t = 0; t < tokens; t++) {
            int slot = (int) ((pos0 + t) % capacity);
            for (int h = 0; h < kvh; h++) {
                for (int i = 0; i < d; i++) {
                    ek[(h * capacity + slot) * d + i] = held(k[t * ldk + h * d + i], bf16);
                    ev[(h * capacity + slot) * d + i] = held(v[t * ldv + h * d + i], bf16);
                }
            }
        }
        return List.of(new Outcome(kernel, "keys", ringFloats(dkeys, ek.length, bf16), ek, 0f),
                new Outcome(kernel, "values", ringFloats(dvalues, ev.length, bf16), ev, 0f));
    }

    /** n random ring values, each one a BF16 ring can hold when {@code bf16}. */
    private float[] ring(int n, boolean bf16) {
        float[] a = gaussian(n);
        for (int i = 0; i < n; i++) {
            a[i] = held(a[i], bf16);
        }
        return a;
    }

    /** x as a ring holds it: itself in F32, rounded to BF16 (nearest, ties to even) in BF16. */
    private static float held(float x, boolean bf16) {
        return bf16 ? Bf16.value(Bf16.bits(x)) : x;
    }

    /** Uploads ring values as the ring stores them: F32, or BF16 bits. */
    private long upRing(float[] a, boolean bf16) {
        if (!bf16) {
            return up(a);
        }
        short[] bits = new short[a.length];
        Bf16.store(a, 0, a.length, bits, 0);
        return up(bits);
    }

    /** Downloads n ring values, widening BF16 bits exactly. */
    private float[] ringFloats(long p, int n, boolean bf16) {
        if (!bf16) {
            return floats(p, n);
        }
        MemorySegment host = Arena.ofAuto().allocate(2L * n);
        d.copyToHost(host, p, 2L * n);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = Bf16.value(host.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
        }
        return out;
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private void launch(String name, int gx, int gy, int bx, int by, int shared, Object... args) {
        d.launch(k.kernel(name), gx, gy, 1, bx, by, 1, shared, GpuStream.DEFAULT, KernelCatalog.kernel(name).args(args));
        d.synchronize();
    }

    private MemorySegment weights(boolean bf16, int n) {
        MemorySegment w = Arena.ofAuto().allocate((bf16 ? 2L : 4L) * n);
        for (int i = 0; i < n; i++) {
            float v = (float) rnd.nextGaussian();
            if (bf16) {
                w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(v) >>> 16));
            } else {
                w.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
            }
        }
        return w;
    }

    private float[] gaussian(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    /** Log-decays in (-1, 0), as GLA's gates are. */
    private float[] negative(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = -rnd.nextFloat();
        }
        return a;
    }

    /** Device allocations must be positive; an empty outlier list still gets one (unused) slot. */
    private static int[] nonEmpty(int[] a) {
        return a.length == 0 ? new int[1] : a;
    }

    private static float[] toFloat(int[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = a[i];
        }
        return f;
    }

    private long up(MemorySegment host) {
        long p = d.allocate(host.byteSize());
        allocations.add(p);
        d.copyToDevice(p, host, host.byteSize());
        return p;
    }

    private long up(float[] a) {
        return up(MemorySegment.ofArray(a));
    }

    private long up(int[] a) {
        return up(MemorySegment.ofArray(a));
    }

    private long up(short[] a) {
        return up(MemorySegment.ofArray(a));
    }

    private long up(byte[] a) {
        return up(MemorySegment.ofArray(a));
    }

    private float[] floats(long p, int n) {
        float[] a = new float[n];
        d.copyToHost(MemorySegment.ofArray(a), p, 4L * n);
        return a;
    }

    private int[] ints(long p, int n) {
        int[] a = new int[n];
        d.copyToHost(MemorySegment.ofArray(a), p, 4L * n);
        return a;
    }
}
