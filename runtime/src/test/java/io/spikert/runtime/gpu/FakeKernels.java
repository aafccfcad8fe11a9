package io.spikert.runtime.gpu;

import io.spikert.ffm.fake.FakeGpu;
import io.spikert.ffm.fake.FakeKernel;
import io.spikert.ffm.fake.FakeLaunch;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The fake GPU's twins of the catalogue's kernels: each unpacks a launch's arguments as the CUDA
 * source reads them and runs the vector-kernels scalar reference on the fake device memory, so the
 * backend's argument packing and memory layout are checked without a GPU. No math is reimplemented
 * here: every result comes from a {@code *Scalar} class, {@link Rope#angles} or {@link SpikeCounts}
 * (data movement, as in {@code kv_ring_store}, is plain copying), except the split decode attention,
 * whose twins run {@link SwaDecodeSplitTwin}: its partials and merge are what the device computes, so
 * the fake must compute them too for a wrong split plan to show (that class is tested against a plain
 * attention reference), and {@code int8_quantize}, whose twin {@link KvInt8Twin} writes out W8ASpike's
 * key/value quantiser (no vector-kernels class has it; the model's device tests hold it to the CPU's).
 *
 * <p>Twins of the kernels the device-resident model launches also check the launch geometry against
 * what the CUDA source needs (blocks covering every row, token or head; blocks a multiple of the PTX
 * warp width where the kernel reduces over warps; enough dynamic shared memory; 16-byte aligned buffers
 * where the kernel reads them with 128-bit loads), because a fake launch would otherwise succeed with a
 * grid that leaves work undone, or an address that faults, on a real device.
 */
public final class FakeKernels {
    private FakeKernels() {}

    /** Registers a twin for every kernel of {@link KernelCatalog} on {@code gpu}. */
    public static void register(FakeGpu gpu) {
        twins().forEach(gpu::registerKernel);
    }

    /** The twins by kernel name. */
    public static Map<String, FakeKernel> twins() {
        Map<String, FakeKernel> m = new LinkedHashMap<>();
        put(m, "rmsnorm", a -> {
            int n = a.i32("n"), rows = a.i32("rows");
            a.covers(a.launch.gridX(), rows, "rows");
            a.warpMultiple();
            float[] x = a.floats("x", (long) n * rows), out = new float[n * rows];
            float[] w = a.floats("w", n);
            for (int r = 0; r < rows; r++) {
                RmsNormScalar.apply(x, r * n, w, 0, out, r * n, n, a.f32("eps"));
            }
            a.write("out", out);
        });
        put(m, "rope_rotate_half", a -> {
            int tokens = a.i32("tokens"), heads = a.i32("numHeads"), hd = a.i32("headDim"), ldx = a.i32("ldx");
            int half = hd / 2;
            a.covers(a.launch.gridX(), tokens, "tokens");
            float[] x = a.floats("x", (long) (tokens - 1) * ldx + (long) heads * hd);
            float[] cos = a.floats("cosv", (long) tokens * half), sin = a.floats("sinv", (long) tokens * half);
            for (int t = 0; t < tokens; t++) {
                RopeScalar.rotateHalf(x, t * ldx, heads, hd, Arrays.copyOfRange(cos, t * half, (t + 1) * half),
                        Arrays.copyOfRange(sin, t * half, (t + 1) * half));
            }
            a.write("x", x);
        });
        put(m, "silu_mul", a -> {
            int n = a.i32("n");
            float[] out = new float[n];
            SwiGluScalar.siluMul(a.floats("gate", n), 0, a.floats("up", n), 0, out, 0, n);
            a.write("out", out);
        });
        // A gather is a product with a one-hot vector: row ids[t] as a [dim x 1] matrix times {1} gives
        // the row exactly (one product by 1, widened and narrowed losslessly), decoded by the twin.
        put(m, "embedding_gather_bf16", a -> gather(a, 2));
        put(m, "embedding_gather_f32", a -> gather(a, 4));
        put(m, "gla_step", a -> {
            int d = a.i32("d"), group = a.i32("group"), kvh = a.i32("kvHeads");
            a.covers((long) a.launch.gridX() * KernelCatalog.PTX_WARP_SIZE, d, "state columns (one warp width a block)");
            a.covers(a.launch.gridY(), kvh, "kv heads");
            a.warpMultiple();
            if (a.launch.blockX() > DeviceOps.GLA_STEP_WARPS * KernelCatalog.PTX_WARP_SIZE) {
                throw new IllegalArgumentException("gla_step: block of " + a.launch.blockX() + " threads, more warps than the "
                        + DeviceOps.GLA_STEP_WARPS + " rows of its reduction buffer");
            }
            float scale = a.f32("scale");
            float[] state = a.floats("state", (long) kvh * d * d);
            float[] q = a.floats("q", (long) kvh * group * d), out = new float[kvh * group * d];
            float[] k = a.floats("k", (long) kvh * d), v = a.floats("v", (long) kvh * d), g = a.floats("g", (long) kvh * d);
            for (int h = 0; h < kvh; h++) {
                GlaStepScalar.update(state, h * d * d, d, k, h * d, v, h * d, g, h * d);
                for (int n = 0; n < group; n++) {
                    GlaStepScalar.readout(state, h * d * d, d, q, (h * group + n) * d, scale, out, (h * group + n) * d);
                }
            }
            a.write("state", state);
            a.write("out", out);
        });
        put(m, "gla_chunk", a -> {
            int d = a.i32("d"), group = a.i32("group"), tokens = a.i32("tokens"), kvh = a.i32("kvHeads");
            a.covers(a.launch.gridX(), kvh, "kv heads");
            long heads = (long) kvh * d, qheads = (long) kvh * group * d;
            float[] state = a.floats("state", (long) kvh * d * d);
            float[] q = a.floats("q", span(tokens, a.i32("ldq"), qheads));
            float[] k = a.floats("k", span(tokens, a.i32("ldk"), heads));
            float[] v = a.floats("v", span(tokens, a.i32("ldv"), heads));
            float[] g = a.floats("g", span(tokens, a.i32("ldg"), heads));
            float[] out = a.floats("out", span(tokens, a.i32("ldo"), qheads));
            for (int h = 0; h < kvh; h++) {
                GlaChunkScalar.prefill(state, h * d * d, d, group, tokens, a.f32("scale"),
                        q, h * group * d, a.i32("ldq"), k, h * d, a.i32("ldk"), v, h * d, a.i32("ldv"),
                        g, h * d, a.i32("ldg"), out, h * group * d, a.i32("ldo"));
            }
            a.write("state", state);
            a.write("out", out);
        });
        putRing(m, "swa_attend", a -> {
            int tokens = a.i32("tokens"), heads = a.i32("numHeads"), kvh = a.i32("kvHeads"), d = a.i32("d");
            int capacity = a.i32("capacity"), window = a.i32("window"), ldq = a.i32("ldq"), ldo = a.i32("ldo");
            long lastPos0 = a.i64("lastPos0");
            a.covers(a.launch.gridX(), heads, "query heads");
            a.covers(a.launch.gridY(), tokens, "tokens");
            a.warpMultiple();
            a.covers(a.launch.sharedBytes(), 4 * window, "bytes of dynamic shared memory (one float score per key)");
            float[] q = a.floats("q", span(tokens, ldq, (long) heads * d));
            float[] keys = a.ring("keys", (long) kvh * capacity * d), values = a.ring("values", (long) kvh * capacity * d);
            float[] out = a.floats("out", span(tokens, ldo, (long) heads * d));
            float[] scratch = new float[window];
            for (int t = 0; t < tokens; t++) {
                long pos = lastPos0 + t;
                long first = Math.max(0, pos - window + 1);
                for (int h = 0; h < heads; h++) {
                    int kv = h / (heads / kvh);
                    SlidingWindowAttentionScalar.attend(q, t * ldq + h * d, d, a.f32("scale"), keys, values,
                            kv * capacity * d, capacity, first, pos, scratch, out, t * ldo + h * d);
                }
            }
            a.write("out", out);
        });
        putRing(m, "swa_decode_split", a -> {
            int heads = a.i32("numHeads"), kvh = a.i32("kvHeads"), d = a.i32("d"), capacity = a.i32("capacity");
            int window = a.i32("window"), splitKeys = a.i32("splitKeys"), splits = a.i32("splits");
            long pos = a.i64("pos");
            int group = heads / kvh;
            long n = Math.min(window, pos + 1);
            a.covers(a.launch.gridX(), splits, "splits");
            a.covers(a.launch.gridY(), kvh, "kv heads");
            a.covers((long) splits * splitKeys, n, "keys of the window (splits x keys per split)");
            a.warpMultiple();
            a.covers(a.launch.sharedBytes(), 4L * group * (d + splitKeys),
                    "bytes of dynamic shared memory (the group's queries and scores)");
            a.headDimFits(d);
            a.ringHolds(capacity, window);
            float[] q = a.floats("q", (long) heads * d);
            float[] keys = a.ring("keys", (long) kvh * capacity * d), values = a.ring("values", (long) kvh * capacity * d);
            // Read back first: blocks the grid leaves out keep what the scratch held, as on a device.
            float[] partOut = a.floats("partOut", (long) heads * splits * d);
            float[] partMax = a.floats("partMax", (long) heads * splits), partSum = a.floats("partSum", (long) heads * splits);
            for (int h = 0; h < Math.min(a.launch.gridY(), kvh); h++) {
                for (int s = 0; s < Math.min(a.launch.gridX(), splits); s++) {
                    SwaDecodeSplitTwin.splitBlock(q, keys, values, heads, kvh, d, capacity, window, pos, a.f32("scale"),
                            splitKeys, splits, s, h, partOut, partMax, partSum);
                }
            }
            a.write("partOut", partOut);
            a.write("partMax", partMax);
            a.write("partSum", partSum);
        });
        put(m, "swa_decode_combine", a -> {
            int heads = a.i32("numHeads"), d = a.i32("d"), splits = a.i32("splits");
            a.covers(a.launch.gridX(), heads, "query heads");
            a.warpMultiple();
            a.covers(a.launch.sharedBytes(), 4L * (a.launch.blockX() / KernelCatalog.PTX_WARP_SIZE) * d,
                    "bytes of dynamic shared memory (one row of d floats per warp)");
            a.headDimFits(d);
            float[] partOut = a.floats("partOut", (long) heads * splits * d);
            float[] partMax = a.floats("partMax", (long) heads * splits), partSum = a.floats("partSum", (long) heads * splits);
            float[] out = new float[heads * d];
            for (int h = 0; h < heads; h++) {
                SwaDecodeSplitTwin.combineBlock(partOut, partMax, partSum, h, d, splits, out, h * d);
            }
            a.write("out", out);
        });
        put(m, "spike_encode", a -> {
            int n = a.i32("n"), rows = a.i32("rows");
            a.covers(a.launch.gridX(), rows, "rows");
            a.warpMultiple();
            float[] x = a.floats("x", (long) n * rows);
            int[] counts = new int[n * rows];
            float[] vth = new float[rows];
            for (int r = 0; r < rows; r++) {
                vth[r] = SpikeCounts.encode(x, r * n, n, a.f32("k"), counts, r * n);
            }
            a.write("counts", counts);
            a.write("vth", vth);
        });
        put(m, "int8_matvec", FakeKernels::int8);
        put(m, "spike_matmul", a -> int8Tokens(a, true));
        put(m, "int8_float_matmul", a -> int8Tokens(a, false));
        put(m, "spike_quantize", a -> {
            int n = a.i32("n"), rows = a.i32("rows");
            a.covers(a.launch.gridX(), rows, "rows");
            a.warpMultiple();
            float[] x = a.floats("x", (long) n * rows);
            int[] counts = new int[n];
            for (int r = 0; r < rows; r++) {
                float vth = SpikeCounts.encode(x, r * n, n, a.f32("k"), counts, 0);
                for (int i = 0; i < n; i++) {
                    x[r * n + i] = vth * counts[i];
                }
            }
            a.write("x", x);
        });
        put(m, "int8_quantize", a -> {
            int n = a.i32("n"), rows = a.i32("rows");
            a.covers(a.launch.gridX(), rows, "rows");
            a.warpMultiple();
            float[] x = a.floats("x", (long) n * rows);
            for (int r = 0; r < rows; r++) {
                KvInt8Twin.quantize(x, r * n, n);
            }
            a.write("x", x);
        });
        put(m, "matvec_bf16", a -> {
            int rows = a.i32("rows"), cols = a.i32("cols");
            a.coversWarpRows(rows);
            float[] y = new float[rows];
            MatVecScalar.bf16(a.segment("w", 2L * rows * cols), cols, a.floats("x", cols), 0, y, 0, 0, rows);
            a.write("y", y);
        });
        put(m, "matvec_f32", a -> {
            int rows = a.i32("rows"), cols = a.i32("cols");
            a.coversWarpRows(rows);
            float[] y = new float[rows];
            MatVecScalar.f32(a.segment("w", 4L * rows * cols), cols, a.floats("x", cols), 0, y, 0, 0, rows);
            a.write("y", y);
        });
        put(m, "matmul_bf16", a -> matmul(a, 2));
        put(m, "matmul_f32", a -> matmul(a, 4));
        put(m, "bias_act", a -> {
            int n = a.i32("n"), rows = a.i32("rows"), act = a.i32("act");
            float[] y = a.floats("y", (long) n * rows);
            float[] bias = a.pointer("bias") == 0 ? null : a.floats("bias", n);
            for (int r = 0; r < rows; r++) {
                if (bias != null) {
                    ActivationsScalar.addBias(y, r * n, bias, 0, n);
                }
            }
            switch (act) {
                case 0 -> { }
                case 1 -> ActivationsScalar.relu(y, 0, n * rows);
                case 2 -> ActivationsScalar.logSigmoid(y, 0, n * rows, a.f32("divisor"));
                default -> throw new IllegalArgumentException("bias_act: unknown activation code " + act);
            }
            a.write("y", y);
        });
        put(m, "add_inplace", a -> {
            int n = a.i32("n");
            float[] x = a.floats("x", n);
            ActivationsScalar.addBias(x, 0, a.floats("y", n), 0, n);
            a.write("x", x);
        });
        put(m, "rope_angles", a -> {
            int tokens = a.i32("tokens"), hd = a.i32("headDim"), half = hd / 2;
            a.covers(a.launch.gridX(), tokens, "tokens");
            float[] cos = new float[tokens * half], sin = new float[tokens * half];
            float[] c = new float[half], s = new float[half];
            for (int t = 0; t < tokens; t++) {
                Rope.angles(a.i64("pos0") + t, a.f32("theta"), hd, c, s);
                System.arraycopy(c, 0, cos, t * half, half);
                System.arraycopy(s, 0, sin, t * half, half);
            }
            a.write("cosv", cos);
            a.write("sinv", sin);
        });
        putRing(m, "kv_ring_store", a -> {
            int tokens = a.i32("tokens"), kvh = a.i32("kvHeads"), d = a.i32("d"), capacity = a.i32("capacity");
            int ldk = a.i32("ldk"), ldv = a.i32("ldv");
            a.covers(a.launch.gridX(), tokens, "tokens");
            a.covers(a.launch.gridY(), kvh, "kv heads");
            float[] keys = a.ring("keys", (long) kvh * capacity * d), values = a.ring("values", (long) kvh * capacity * d);
            float[] k = a.floats("k", span(tokens, ldk, (long) kvh * d)), v = a.floats("v", span(tokens, ldv, (long) kvh * d));
            for (int t = 0; t < tokens; t++) {
                int slot = (int) Math.floorMod(a.i64("pos0") + t, (long) capacity);
                for (int h = 0; h < kvh; h++) {
                    System.arraycopy(k, t * ldk + h * d, keys, (h * capacity + slot) * d, d);
                    System.arraycopy(v, t * ldv + h * d, values, (h * capacity + slot) * d, d);
                }
            }
            a.writeRing("keys", keys);
            a.writeRing("values", values);
        });
        return m;
    }

    private static final int MATMUL_TILE = 16;

    private static void put(Map<String, FakeKernel> m, String name, Consumer<Launch> twin) {
        KernelSpec spec = KernelCatalog.kernel(name);
        m.put(name, launch -> twin.accept(new Launch(spec, launch)));
    }

    /**
     * A ring kernel and its {@code _bf16} twin (swa.cu): one twin for both, reading and writing the ring through
     * {@link Launch#ring} and {@link Launch#writeRing}, which widen and round BF16 bits as the kernels do.
     */
    private static void putRing(Map<String, FakeKernel> m, String name, Consumer<Launch> twin) {
        put(m, name, twin);
        put(m, name + "_bf16", twin);
    }

    /** Elements from row 0 to the end of row {@code rows - 1}, rows {@code ld} apart and {@code width} wide. */
    private static long span(int rows, int ld, long width) {
        return (long) (rows - 1) * ld + width;
    }

    private static void gather(Launch a, int bytesPerValue) {
        int count = a.i32("count"), dim = a.i32("dim");
        a.covers(a.launch.gridX(), count, "tokens");
        int[] ids = a.ints("ids", count);
        int rows = Arrays.stream(ids).max().orElse(-1) + 1;
        MemorySegment table = a.segment("table", (long) bytesPerValue * rows * dim);
        float[] out = new float[count * dim];
        float[] one = {1f};
        for (int t = 0; t < count; t++) {
            MemorySegment row = table.asSlice((long) bytesPerValue * ids[t] * dim, (long) bytesPerValue * dim);
            if (bytesPerValue == 2) {
                MatVecScalar.bf16(row, 1, one, 0, out, t * dim, 0, dim);
            } else {
                MatVecScalar.f32(row, 1, one, 0, out, t * dim, 0, dim);
            }
        }
        a.write("out", out);
    }

    /** The exact codes and scales a product launch was given, as CPU INT8 weights in {@code arena}. */
    private static Int8Weights int8Weights(Launch a, Arena arena) {
        int rows = a.i32("rows"), cols = a.i32("cols");
        int[] start = a.ints("outlierStart", rows + 1L);
        int outliers = start[rows];
        int[] codes = Int8DeviceLayout.codes(rows, cols, a.bytes("codes", (long) rows * cols), start,
                a.ints("outlierCol", outliers), a.ints("outlierResidual", outliers));
        float[] scales = a.floats("scales", (long) rows * (cols / Int8Weights.GROUP));
        return Int8Weights.fromCodes(arena, codes, rows, cols, scales);
    }

    /** spike_matmul (spiked input) or int8_float_matmul (float input): the one-token reference per token. */
    private static void int8Tokens(Launch a, boolean spiked) {
        int rows = a.i32("rows"), cols = a.i32("cols"), tokens = a.i32("tokens");
        a.coversWarpRows(rows);
        a.vectorAligned("codes");
        a.vectorAligned(spiked ? "counts" : "x");
        a.covers((long) a.launch.gridY() * DeviceOps.SPIKE_TOKENS, tokens, "tokens (" + DeviceOps.SPIKE_TOKENS + " a block row)");
        float[] y = new float[tokens * rows];
        try (Arena arena = Arena.ofConfined()) {
            Int8Weights w = int8Weights(a, arena);
            if (spiked) {
                int[] counts = a.ints("counts", (long) tokens * cols);
                float[] vth = a.floats("vth", tokens);
                for (int t = 0; t < tokens; t++) {
                    Int8MatVecScalar.dense(w, counts, t * cols, vth[t], y, t * rows, 0, rows);
                }
            } else {
                float[] x = a.floats("x", (long) tokens * cols);
                for (int t = 0; t < tokens; t++) {
                    Int8MatVecScalar.denseFloat(w, x, t * cols, y, t * rows, 0, rows);
                }
            }
        }
        a.write("y", y);
    }

    private static void int8(Launch a) {
        int rows = a.i32("rows"), cols = a.i32("cols");
        a.coversWarpRows(rows);
        a.vectorAligned("codes");
        a.vectorAligned("counts");
        int[] counts = a.ints("counts", cols);
        float vth = a.floats("vth", 1)[0];
        float[] y = new float[rows];
        try (Arena arena = Arena.ofConfined()) {
            Int8MatVecScalar.dense(int8Weights(a, arena), counts, 0, vth, y, 0, 0, rows);
        }
        a.write("y", y);
    }

    private static void matmul(Launch a, int bytesPerValue) {
        int rows = a.i32("rows"), cols = a.i32("cols"), tokens = a.i32("tokens"), ldx = a.i32("ldx"), ldy = a.i32("ldy");
        if (a.launch.blockX() != MATMUL_TILE || a.launch.blockY() != MATMUL_TILE) {
            throw new IllegalArgumentException(a.spec.name() + ": blocks must be " + MATMUL_TILE + " x " + MATMUL_TILE
                    + " (the shared-memory tile), got " + a.launch.blockX() + " x " + a.launch.blockY());
        }
        a.covers((long) a.launch.gridX() * MATMUL_TILE, rows, "rows");
        a.covers((long) a.launch.gridY() * MATMUL_TILE, tokens, "tokens");
        MemorySegment w = a.segment("w", (long) bytesPerValue * rows * cols);
        float[] x = a.floats("x", span(tokens, ldx, cols));
        float[] y = a.floats("y", span(tokens, ldy, rows));
        if (bytesPerValue == 2) {
            MatMulScalar.bf16(w, cols, x, 0, ldx, tokens, y, 0, ldy, 0, rows);
        } else {
            MatMulScalar.f32(w, cols, x, 0, ldx, tokens, y, 0, ldy, 0, rows);
        }
        a.write("y", y);
    }

    /** A launch read by parameter name; device buffers are copied to heap arrays and written back whole. */
    private record Launch(KernelSpec spec, FakeLaunch launch) {
        int i32(String name) {
            return launch.i32(spec.indexOf(name));
        }

        long pointer(String name) {
            return launch.pointer(spec.indexOf(name));
        }

        /** Fails the launch when {@code have} (blocks, or bytes) does not reach the {@code need} the kernel must cover. */
        void covers(long have, long need, String what) {
            if (have < need) {
                throw new IllegalArgumentException(spec.name() + ": the launch covers " + have + " " + what + " of " + need
                        + " (grid " + launch.gridX() + "x" + launch.gridY() + "x" + launch.gridZ() + ", block "
                        + launch.blockX() + "x" + launch.blockY() + "x" + launch.blockZ() + ", " + launch.sharedBytes()
                        + " shared bytes)");
            }
        }

        /** The decode attention kernels hold a row in registers, 8 floats a lane. */
        void headDimFits(int d) {
            if (d < 1 || d > DeviceOps.SWA_DECODE_MAX_HEAD_DIM) {
                throw new IllegalArgumentException(spec.name() + ": head dimension " + d + " outside 1.."
                        + DeviceOps.SWA_DECODE_MAX_HEAD_DIM);
            }
        }

        /** A slice's slots wrap at most once only if the ring holds the whole window. */
        void ringHolds(int capacity, int window) {
            if (window < 1 || capacity < window) {
                throw new IllegalArgumentException(spec.name() + ": a ring of " + capacity + " slots for a window of "
                        + window + " keys");
            }
        }

        /** Kernels that reduce over warps need whole warps in every block. */
        void warpMultiple() {
            int block = launch.blockX() * launch.blockY() * launch.blockZ();
            if (block % KernelCatalog.PTX_WARP_SIZE != 0) {
                throw new IllegalArgumentException(spec.name() + ": block of " + block + " threads is not a multiple of the "
                        + KernelCatalog.PTX_WARP_SIZE + "-lane warp the PTX was compiled for");
            }
        }

        /** The dense INT8 products read this buffer with 128-bit loads, which fault on a device when misaligned. */
        void vectorAligned(String name) {
            long p = pointer(name);
            if (p % DeviceOps.INT8_VECTOR_ALIGN != 0) {
                throw new IllegalArgumentException(spec.name() + ": " + name + " at 0x" + Long.toHexString(p) + " is not "
                        + DeviceOps.INT8_VECTOR_ALIGN + "-byte aligned (the kernel reads it with 128-bit loads)");
            }
        }

        /** One warp per row: the grid's warps must cover every row. */
        void coversWarpRows(int rows) {
            warpMultiple();
            covers((long) launch.gridX() * (launch.blockX() / KernelCatalog.PTX_WARP_SIZE), rows, "rows (one warp each)");
        }

        long i64(String name) {
            return launch.i64(spec.indexOf(name));
        }

        float f32(String name) {
            return launch.f32(spec.indexOf(name));
        }

        MemorySegment segment(String name, long bytes) {
            return launch.memory(spec.indexOf(name), bytes);
        }

        float[] floats(String name, long count) {
            return segment(name, 4 * count).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
        }

        int[] ints(String name, long count) {
            return segment(name, 4 * count).toArray(ValueLayout.JAVA_INT_UNALIGNED);
        }

        byte[] bytes(String name, long count) {
            return segment(name, count).toArray(ValueLayout.JAVA_BYTE);
        }

        /** A ring kernel's keys or values: F32, or for a _bf16 kernel BF16 bits widened exactly. */
        float[] ring(String name, long count) {
            if (!spec.name().endsWith("_bf16")) {
                return floats(name, count);
            }
            short[] bits = segment(name, 2 * count).toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
            float[] out = new float[bits.length];
            Bf16.widen(bits, 0, bits.length, out, 0);
            return out;
        }

        /** Writes a ring's keys or values back as {@link #ring} reads them: BF16 rounded to nearest even for a _bf16 kernel. */
        void writeRing(String name, float[] values) {
            if (!spec.name().endsWith("_bf16")) {
                write(name, values);
                return;
            }
            short[] bits = new short[values.length];
            Bf16.store(values, 0, values.length, bits, 0);
            MemorySegment.copy(MemorySegment.ofArray(bits), 0, segment(name, 2L * bits.length), 0, 2L * bits.length);
        }

        void write(String name, float[] values) {
            MemorySegment.copy(MemorySegment.ofArray(values), 0, segment(name, 4L * values.length), 0, 4L * values.length);
        }

        void write(String name, int[] values) {
            MemorySegment.copy(MemorySegment.ofArray(values), 0, segment(name, 4L * values.length), 0, 4L * values.length);
        }
    }
}
