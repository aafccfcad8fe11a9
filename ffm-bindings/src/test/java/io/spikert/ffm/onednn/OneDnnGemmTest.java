package io.spikert.ffm.onednn;

import io.spikert.ffm.ClasspathNatives;
import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.LibrarySearch;
import io.spikert.ffm.NativeLibrary;
import io.spikert.ffm.NativeLibraryNotFoundException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * oneDNN's GEMMs through the binding, from the copy the test class path carries (org.bytedeco:dnnl's
 * linux-x86_64 jar, extracted into a temporary folder and bound explicitly): FP32 against a float64
 * reference, the INT8 products exactly against integer sums, and errors named.
 */
class OneDnnGemmTest {
    @TempDir
    static Path cache;
    static OneDnnGemm gemm;
    static Path folder;

    @BeforeAll
    static void bindTheCarriedLibrary() throws IOException {
        Optional<Path> extracted = ClasspathNatives.extract(NativeLibrary.ONEDNN, cache,
                OneDnnGemmTest.class.getClassLoader());
        assertTrue(extracted.isPresent(), "the test class path carries oneDNN for linux-x86_64");
        folder = extracted.get();
        LibraryLoader.bind(LibraryLoader.load(LibrarySearch.only(NativeLibrary.ONEDNN, List.of(folder.toString()), List.of())));
        gemm = OneDnnGemm.open();
        assertTrue(gemm.setThreads(1), "an OpenMP build");
    }

    @Test
    void reportsAVersionItCanUse() {
        assertTrue(gemm.version().startsWith("3."), gemm.toString());
        assertTrue(gemm.source().startsWith(folder.toString()), gemm.source());
        assertNotEquals(0, gemm.effectiveCpuIsa());
    }

    private static final SplittableRandom RANDOM = new SplittableRandom(11);

    @Test
    void sgemmMatchesAFloat64Reference() {
        int m = 5, n = 7, k = 130;
        float[] a = floats(m * k), bT = floats(n * k);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocateFrom(ValueLayout.JAVA_FLOAT, a);
            MemorySegment sb = arena.allocateFrom(ValueLayout.JAVA_FLOAT, bT);
            MemorySegment sc = arena.allocate(ValueLayout.JAVA_FLOAT, (long) m * n);
            // y = x W^T with W stored [n, k], as a linear layer multiplies
            gemm.sgemm(false, true, m, n, k, 1f, sa, k, sb, k, 0f, sc, n);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    for (int p = 0; p < k; p++) {
                        ref += (double) a[i * k + p] * bT[j * k + p];
                    }
                    assertEquals(ref, sc.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j), 1e-4, "C[" + i + "][" + j + "]");
                }
            }
        }
    }

    /**
     * Exact integer sums: over the whole int8 range where oneDNN has an INT8 dot product (VNNI); on every CPU for
     * inputs whose pairs of products fit in 16 bits (|b| <= 64), where its kernels without VNNI are exact too.
     */
    @Test
    void int8ProductsAreExactIntegerSums() {
        checkInt8(bytes(4 * 256, -128, 128), bytes(4 * 256, 0, 256), bytes(9 * 256, -64, 65));
        if (gemm.hasInt8DotProduct()) {
            checkInt8(bytes(4 * 256, -128, 128), bytes(4 * 256, 0, 256), bytes(9 * 256, -128, 128));
        }
    }

    private static void checkInt8(byte[] a, byte[] ua, byte[] b) {
        int m = 4, n = 9, k = 256;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocateFrom(ValueLayout.JAVA_BYTE, a);
            MemorySegment sua = arena.allocateFrom(ValueLayout.JAVA_BYTE, ua);
            MemorySegment sb = arena.allocateFrom(ValueLayout.JAVA_BYTE, b);
            MemorySegment c = arena.allocate(ValueLayout.JAVA_INT, (long) m * n);
            MemorySegment cu = arena.allocate(ValueLayout.JAVA_INT, (long) m * n);
            gemm.gemmS8S8S32(false, true, m, n, k, 1f, sa, k, (byte) 0, sb, k, (byte) 0, 0f, c, n, null);
            gemm.gemmU8S8S32(false, true, m, n, k, 1f, sua, k, (byte) 0, sb, k, (byte) 0, 0f, cu, n, null);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    long s = 0, u = 0;
                    for (int p = 0; p < k; p++) {
                        s += (long) a[i * k + p] * b[j * k + p];
                        u += (long) (ua[i * k + p] & 0xFF) * b[j * k + p];
                    }
                    String isa = " (dnnl_cpu_isa 0x" + Integer.toHexString(gemm.effectiveCpuIsa()) + ")";
                    assertEquals(s, c.getAtIndex(ValueLayout.JAVA_INT, (long) i * n + j), "s8s8s32 C[" + i + "][" + j + "]" + isa);
                    assertEquals(u, cu.getAtIndex(ValueLayout.JAVA_INT, (long) i * n + j), "u8s8s32 C[" + i + "][" + j + "]" + isa);
                }
            }
        }
    }

    @Test
    void aRefusedCallNamesItselfAndItsSizes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, 64);
            // lda smaller than K for an untransposed row-major A: invalid
            var e = assertThrows(OneDnnException.class, () -> gemm.sgemm(false, false, 4, 4, 4, 1f, s, 2, s, 4, 0f, s, 4));
            assertTrue(e.getMessage().contains("dnnl_sgemm (M 4, N 4, K 4)") && e.getMessage().contains("dnnl_invalid_arguments"),
                    e.getMessage());
        }
    }

    @Test
    void extractionReusesItsFilesAndNeverReplacesALink(@TempDir Path root) throws IOException {
        ClassLoader loader = OneDnnGemmTest.class.getClassLoader();
        Path first = ClasspathNatives.extract(NativeLibrary.ONEDNN, root, loader).orElseThrow();
        Path lib = first.resolve("libdnnl.so.3");
        var stamp = Files.getLastModifiedTime(lib);
        assertEquals(Optional.of(first), ClasspathNatives.extract(NativeLibrary.ONEDNN, root, loader));
        assertEquals(stamp, Files.getLastModifiedTime(lib), "a whole copy is reused, not rewritten");

        Path other = Files.createTempDirectory(root, "elsewhere").resolve("target");
        Files.writeString(other, "not ours");
        Files.delete(first.resolve("libgomp.so.1"));
        Files.createSymbolicLink(first.resolve("libgomp.so.1"), other);
        assertEquals(Optional.empty(), ClasspathNatives.extract(NativeLibrary.ONEDNN, root, loader));
        assertTrue(Files.isSymbolicLink(first.resolve("libgomp.so.1")), "the link is left as it is");
        assertEquals("not ours", Files.readString(other));
        try (var files = Files.list(first)) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".partial")), "no temporary file left");
        }
    }

    @Test
    void theCarriedCopyComesAfterTheUsersChoicesAndBeforeTheDistributions() {
        Path carried = Path.of("/cache/onednn-carried");
        LibrarySearch s = LibrarySearch.defaults(NativeLibrary.ONEDNN, "/opt/mine/libdnnl.so.3",
                java.util.Map.of("LD_LIBRARY_PATH", "/ld/one:/ld/two"), "/home/u", Optional.of(carried));
        assertEquals(List.of("/opt/mine/libdnnl.so.3"), s.explicit());
        List<String> dirs = s.directories();
        assertEquals(List.of("/ld/one", "/ld/two", carried.toString()), dirs.subList(0, 3), dirs.toString());
        assertTrue(dirs.indexOf("/usr/lib64") > 2 && dirs.stream().anyMatch(d -> d.startsWith("/usr/lib/")), dirs.toString());
        assertFalse(LibrarySearch.defaults(NativeLibrary.ONEDNN, null, java.util.Map.of(), "/home/u").directories()
                .contains(carried.toString()));
    }

    @Test
    void aMissingLibraryListsWhereItLooked(@TempDir Path empty) {
        var e = assertThrows(NativeLibraryNotFoundException.class,
                () -> LibraryLoader.load(LibrarySearch.only(NativeLibrary.ONEDNN, List.of(empty.resolve("nowhere").toString()),
                        List.of(empty.toString()))));
        assertTrue(e.getMessage().contains("oneDNN") && e.getMessage().contains(empty.toString()), e.getMessage());
        assertEquals("spikert.onednn.path", NativeLibrary.ONEDNN.pathProperty());
    }

    private static float[] floats(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (RANDOM.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static byte[] bytes(int n, int from, int to) {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            v[i] = (byte) RANDOM.nextInt(from, to);
        }
        return v;
    }
}
