package io.spikert.ffm.onednn;

import io.spikert.ffm.ClasspathNatives;
import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.LibrarySearch;
import io.spikert.ffm.NativeLibrary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The matmul primitive through the binding, on the carried oneDNN: BF16 and FP32 against a float64 reference
 * over the same (BF16-rounded) inputs, the weight read in its linear-layer layout {@code [N, K]}; sizes checked
 * before oneDNN sees an address.
 */
class OneDnnMatmulTest {
    @TempDir
    static Path cache;
    static OneDnnEngine engine;
    static OneDnnGemm library;

    @BeforeAll
    static void openTheCarriedLibrary() throws IOException {
        Path folder = ClasspathNatives.extract(NativeLibrary.ONEDNN, cache, OneDnnMatmulTest.class.getClassLoader()).orElseThrow();
        LibraryLoader.bind(LibraryLoader.load(LibrarySearch.only(NativeLibrary.ONEDNN, List.of(folder.toString()), List.of())));
        library = OneDnnGemm.open();
        library.setThreads(2);
        engine = OneDnnEngine.open(library);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static final SplittableRandom RANDOM = new SplittableRandom(5);

    /** Round to nearest even, as the runtime rounds activations; the high 16 bits are the BF16 value. */
    static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    static float widen(short b) {
        return Float.intBitsToFloat(b << 16);
    }

    /**
     * Where oneDNN has a BF16 matmul for this CPU; where it has none (no AVX-512 BF16, AMX or AVX-VNNI-INT8/NE
     * conversions: an AVX2 CPU, say) the refusal names the shape and oneDNN's status, which is how the runtime learns
     * to keep its products on the Vector API.
     */
    @Test
    void bf16MatmulMatchesAFloat64ReferenceOfTheRoundedInputs() {
        int isa = library.effectiveCpuIsa();
        boolean nativeBf16 = (isa & 0xe7) == 0xe7 || (isa & 0x1f) == 0x1f; // avx512_core_bf16 or avx2_vnni_2 and later
        OneDnnException refused;
        try {
            OneDnnMatmul.create(engine, 37, 70, 300, OneDnnMatmul.DataType.BF16, OneDnnMatmul.DataType.BF16).close();
            refused = null;
        } catch (OneDnnException e) {
            refused = e;
        }
        if (refused != null) {
            assertFalse(nativeBf16, "refused on dnnl_cpu_isa 0x" + Integer.toHexString(isa) + ": " + refused.getMessage());
            assertTrue(refused.getMessage().contains("BF16[37, 300] x BF16[300, 70]")
                    && refused.getMessage().contains("dnnl_unimplemented"), refused.getMessage());
            return;
        }
        check(OneDnnMatmul.DataType.BF16, 37, 70, 300);
        check(OneDnnMatmul.DataType.BF16, 1, 16, 128);
    }

    @Test
    void f32MatmulMatchesAFloat64Reference() {
        check(OneDnnMatmul.DataType.F32, 9, 33, 257);
    }

    private static void check(OneDnnMatmul.DataType type, int m, int n, int k) {
        float[] x = new float[m * k];
        float[] w = new float[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) RANDOM.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (RANDOM.nextGaussian() / Math.sqrt(k));
        }
        try (Arena arena = Arena.ofConfined(); var mm = OneDnnMatmul.create(engine, m, n, k, type, type)) {
            MemorySegment sx = arena.allocate((long) x.length * type.bytes());
            MemorySegment sw = arena.allocate((long) w.length * type.bytes());
            for (int i = 0; i < x.length; i++) {
                if (type == OneDnnMatmul.DataType.BF16) {
                    sx.setAtIndex(ValueLayout.JAVA_SHORT, i, bf16(x[i]));
                    x[i] = widen(bf16(x[i]));
                } else {
                    sx.setAtIndex(ValueLayout.JAVA_FLOAT, i, x[i]);
                }
            }
            for (int i = 0; i < w.length; i++) {
                if (type == OneDnnMatmul.DataType.BF16) {
                    sw.setAtIndex(ValueLayout.JAVA_SHORT, i, bf16(w[i]));
                    w[i] = widen(bf16(w[i]));
                } else {
                    sw.setAtIndex(ValueLayout.JAVA_FLOAT, i, w[i]);
                }
            }
            MemorySegment sy = arena.allocate(ValueLayout.JAVA_FLOAT, (long) m * n);
            mm.execute(sx, sw, sy);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        ref += (double) x[i * k + p] * w[j * k + p];
                        mag += Math.abs((double) x[i * k + p] * w[j * k + p]);
                    }
                    // FP32 accumulation of exact products: a few ulps of the sum of magnitudes
                    assertEquals(ref, sy.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j), 4e-6 * mag + 1e-30,
                            type + " y[" + i + "][" + j + "] via " + mm.implementation());
                }
            }
        }
    }

    /**
     * The group sums of a spike product as one batched integer matmul over strided views: counts [T, cols] seen
     * as [G, T, 128], codes stored per group as [128][run] (run >= rows) seen as [G, 128, rows], sums [G, T, rows]
     * int32, each exactly the integer sum: on every CPU for codes within +-64 (pairs of products then fit the 16 bits
     * oneDNN's kernels without VNNI add them in), over the whole int8 range where it has an INT8 dot product.
     */
    @Test
    void batchedInt8GroupSumsAreExact() {
        checkGroupSums(64);
        if (library.hasInt8DotProduct()) {
            checkGroupSums(128);
        }
    }

    private static void checkGroupSums(int codeBound) {
        int groups = 3, t = 5, rows = 40, run = 48, cols = groups * 128;
        byte[] counts = new byte[t * cols];
        byte[] codes = new byte[groups * 128 * run];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = (byte) RANDOM.nextInt(-128, 128);
        }
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) RANDOM.nextInt(-codeBound, Math.min(codeBound + 1, 128));
        }
        var src = new OneDnnMatmul.Operand(new long[] {groups, t, 128}, new long[] {128, cols, 1}, OneDnnMatmul.DataType.S8);
        var w = new OneDnnMatmul.Operand(new long[] {groups, 128, rows}, new long[] {128L * run, run, 1}, OneDnnMatmul.DataType.S8);
        var dst = new OneDnnMatmul.Operand(new long[] {groups, t, rows}, new long[] {(long) t * rows, rows, 1}, OneDnnMatmul.DataType.S32);
        try (Arena arena = Arena.ofConfined(); var mm = OneDnnMatmul.create(engine, src, w, dst)) {
            MemorySegment sc = arena.allocateFrom(ValueLayout.JAVA_BYTE, counts);
            MemorySegment sw = arena.allocateFrom(ValueLayout.JAVA_BYTE, codes);
            MemorySegment sums = arena.allocate(4L * groups * t * rows);
            mm.execute(sc, sw, sums);
            for (int g = 0; g < groups; g++) {
                for (int i = 0; i < t; i++) {
                    for (int r = 0; r < rows; r++) {
                        int ref = 0;
                        for (int c = 0; c < 128; c++) {
                            ref += counts[i * cols + g * 128 + c] * codes[(g * 128 + c) * run + r];
                        }
                        assertEquals(ref, sums.getAtIndex(ValueLayout.JAVA_INT, ((long) g * t + i) * rows + r),
                                "group " + g + " token " + i + " row " + r + " via " + mm.implementation());
                    }
                }
            }
            assertThrows(IllegalArgumentException.class, () -> mm.execute(sc.asSlice(0, counts.length - 1), sw, sums),
                    "the strided view's last element lies at the end of the counts");
        }
    }

    @Test
    void operandsTooSmallAreRefusedBeforeTheCall() {
        try (Arena arena = Arena.ofConfined(); var mm = OneDnnMatmul.create(engine, 4, 8, 16, OneDnnMatmul.DataType.F32,
                OneDnnMatmul.DataType.F32)) {
            MemorySegment ok = arena.allocate(4L * 16 * 4);
            MemorySegment w = arena.allocate(8L * 16 * 4);
            MemorySegment small = arena.allocate(4L * 8 * 4 - 4);
            var e = assertThrows(IllegalArgumentException.class, () -> mm.execute(ok, w, small));
            assertTrue(e.getMessage().contains("dst") && e.getMessage().contains("F32[4, 16] x F32[16, 8] -> F32[4, 8]"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> mm.execute(MemorySegment.ofArray(new float[64]), w, ok));
        }
    }

    @Test
    void aShapeOneDnnRefusesIsNamedAndLeavesTheEngineUsable() {
        var src = OneDnnMatmul.Operand.rowMajor(4, 16, OneDnnMatmul.DataType.S8);
        var weights = OneDnnMatmul.Operand.rowMajor(16, 8, OneDnnMatmul.DataType.BF16);
        var dst = OneDnnMatmul.Operand.rowMajor(4, 8, OneDnnMatmul.DataType.U8);
        var e = assertThrows(OneDnnException.class, () -> OneDnnMatmul.create(engine, src, weights, dst));
        assertTrue(e.getMessage().contains("S8[4, 16] x BF16[16, 8] -> U8[4, 8]") && e.getMessage().contains("dnnl_"),
                e.getMessage());
        check(OneDnnMatmul.DataType.F32, 3, 5, 7);
        assertThrows(IllegalArgumentException.class,
                () -> new OneDnnMatmul.Operand(new long[] {4, 0}, new long[] {1, 1}, OneDnnMatmul.DataType.F32));
    }

    @Test
    void closedPrimitivesRefuseWork() {
        var mm = OneDnnMatmul.create(engine, 2, 2, 2, OneDnnMatmul.DataType.F32, OneDnnMatmul.DataType.F32);
        mm.close();
        mm.close();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64);
            assertThrows(IllegalStateException.class, () -> mm.execute(s, s, s));
        }
    }
}
