package io.spikert.ffm.fake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.BlasType;
import io.spikert.ffm.GpuBlas;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuEvent;
import io.spikert.ffm.GpuException;
import io.spikert.ffm.GpuKernel;
import io.spikert.ffm.GpuModule;
import io.spikert.ffm.GpuStream;
import io.spikert.ffm.KernelArgs;
import io.spikert.ffm.Transpose;
import io.spikert.ffm.Vendor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vendor-neutral driver end to end on the fake GPU, under both the CUDA and the MACA names: the
 * real binding classes make real downcalls into FFM upcall stubs, so argument order, types,
 * out-parameters, kernel-argument packing and error translation are all exercised.
 */
class FakeGpuDriverTest {
    private static final String SAXPY_PTX = """
            .version 8.0
            .target sm_80
            .address_size 64
            .visible .entry saxpy(.param .u64 x, .param .u64 y, .param .f32 a, .param .u32 n)
            { ret; }
            """;

    private static FakeGpu gpu;

    @BeforeAll
    static void install() {
        gpu = FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        gpu.reset();
    }

    private static GpuDriver open(Vendor vendor) {
        GpuDriver d = vendor.open();
        d.useDevice(0);
        return d;
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void copiesRoundTripThroughDeviceMemory(Vendor vendor) {
        try (GpuDriver d = open(vendor); Arena arena = Arena.ofConfined()) {
            assertEquals(vendor, d.vendor());
            assertEquals(1, d.deviceCount());
            assertEquals(vendor == Vendor.CUDA ? 32 : 64, d.warpSize(0));
            assertEquals(vendor == Vendor.CUDA ? "9.0" : "8.0", d.computeCapability(0).toString());
            int n = 1000;
            MemorySegment src = arena.allocate(4L * n);
            for (int i = 0; i < n; i++) {
                src.setAtIndex(ValueLayout.JAVA_FLOAT, i, i * 0.5f - 7);
            }
            long a = d.allocate(4L * n);
            long b = d.allocate(4L * n);
            assertEquals(8L * n, d.memoryInfo().totalBytes() - d.memoryInfo().freeBytes());
            d.copyToDevice(a, src, 4L * n);
            d.copyDeviceToDevice(b, a, 4L * n);
            d.fill(a, (byte) 0, 4L * n);
            MemorySegment back = arena.allocate(4L * n);
            d.copyToHost(back, b, 4L * n);
            assertArrayEquals(src.toArray(ValueLayout.JAVA_FLOAT), back.toArray(ValueLayout.JAVA_FLOAT));
            d.copyToHost(back, a, 4L * n);
            assertArrayEquals(new float[n], back.toArray(ValueLayout.JAVA_FLOAT));
            float[] heap = new float[n]; // heap segments are staged through native memory
            d.copyToHost(MemorySegment.ofArray(heap), b, 4L * n);
            assertArrayEquals(src.toArray(ValueLayout.JAVA_FLOAT), heap);
            d.free(a);
            d.free(b);
            assertEquals(0, gpu.allocatedBytes());
        }
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void pinnedAsyncCopiesStreamsAndEvents(Vendor vendor) {
        try (GpuDriver d = open(vendor)) {
            MemorySegment pinned = d.allocateHost(256);
            assertEquals(256, pinned.byteSize());
            for (int i = 0; i < 256; i++) {
                pinned.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
            }
            GpuStream s = d.createStream();
            GpuEvent start = d.createEvent();
            GpuEvent end = d.createEvent();
            long dev = d.allocate(256);
            assertThrows(IllegalArgumentException.class,
                    () -> d.copyToDeviceAsync(dev, MemorySegment.ofArray(new byte[256]), 256, s));
            d.record(start, s);
            d.copyToDeviceAsync(dev, pinned, 256, s);
            d.record(end, s);
            d.synchronize(end);
            assertTrue(d.elapsedMillis(start, end) >= 0);
            MemorySegment back = d.allocateHost(256);
            d.copyToHostAsync(back, dev, 256, s);
            d.synchronize(s);
            assertArrayEquals(pinned.toArray(ValueLayout.JAVA_BYTE), back.toArray(ValueLayout.JAVA_BYTE));
            d.destroy(start);
            d.destroy(end);
            d.destroy(s);
            d.free(dev);
            d.freeHost(pinned);
            d.freeHost(back);
            GpuException e = assertThrows(GpuException.class, () -> d.destroy(s));
            assertTrue(e.getMessage().contains("invalid resource handle"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void launchPacksArgumentsForTheKernelTwin(Vendor vendor) {
        AtomicReference<FakeLaunch> seen = new AtomicReference<>();
        gpu.registerKernel("saxpy", launch -> {
            seen.set(launch);
            int n = launch.i32(3);
            float a = launch.f32(2);
            MemorySegment x = launch.memory(0, 4L * n);
            MemorySegment y = launch.memory(1, 4L * n);
            for (int i = 0; i < n; i++) {
                y.setAtIndex(ValueLayout.JAVA_FLOAT, i,
                        a * x.getAtIndex(ValueLayout.JAVA_FLOAT, i) + y.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
        });
        try (GpuDriver d = open(vendor); Arena arena = Arena.ofConfined()) {
            int n = 300;
            float[] x = new float[n];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = i;
                y[i] = 1000 - i;
            }
            long dx = d.allocate(4L * n);
            long dy = d.allocate(4L * n);
            d.copyToDevice(dx, MemorySegment.ofArray(x), 4L * n);
            d.copyToDevice(dy, MemorySegment.ofArray(y), 4L * n);
            GpuModule module = d.loadModule(arena.allocateFrom(SAXPY_PTX));
            GpuKernel saxpy = d.kernel(module, "saxpy");
            d.launch(saxpy, 3, 1, 1, 128, 1, 1, 0, GpuStream.DEFAULT,
                    new KernelArgs().pointer(dx).pointer(dy).f32(2.5f).i32(n));
            d.synchronize();
            MemorySegment out = arena.allocate(4L * n);
            d.copyToHost(out, dy, 4L * n);
            for (int i = 0; i < n; i++) {
                assertEquals(2.5f * i + (1000 - i), out.getAtIndex(ValueLayout.JAVA_FLOAT, i), "y[" + i + "]");
            }
            FakeLaunch l = seen.get();
            assertEquals(List.of(3, 1, 1, 128, 1, 1), List.of(l.gridX(), l.gridY(), l.gridZ(), l.blockX(), l.blockY(), l.blockZ()));
            assertEquals(384, l.threads());

            GpuException missing = assertThrows(GpuException.class, () -> d.kernel(module, "_Z5saxpyPfS_fi"));
            assertTrue(missing.getMessage().contains("named symbol not found")
                    || missing.getMessage().contains("mcErrorSymbolNotFound"), missing.getMessage());
            d.unload(module);
        }
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void launchesOutsideTheHardwareLimitsAreRefusedAsOnADevice(Vendor vendor) {
        gpu.registerKernel("saxpy", launch -> { });
        try (GpuDriver d = open(vendor); Arena arena = Arena.ofConfined()) {
            GpuModule module = d.loadModule(arena.allocateFrom(SAXPY_PTX));
            GpuKernel saxpy = d.kernel(module, "saxpy");
            KernelArgs args = new KernelArgs().pointer(0).pointer(0).f32(1f).i32(0);
            // At the limits: accepted.
            d.launch(saxpy, Integer.MAX_VALUE, 65535, 65535, 1, 1, 64, 48 * 1024, GpuStream.DEFAULT, args);
            d.launch(saxpy, 1, 1, 1, 1024, 1, 1, 0, GpuStream.DEFAULT, args);
            // One past each: refused, as cuLaunchKernel refuses them with CUDA_ERROR_INVALID_VALUE.
            int[][] over = {
                {1, 65536, 1, 1, 1, 1, 0}, {1, 1, 65536, 1, 1, 1, 0}, {1, 1, 1, 1025, 1, 1, 0},
                {1, 1, 1, 1, 1025, 1, 0}, {1, 1, 1, 1, 1, 65, 0}, {1, 1, 1, 32, 32, 2, 0},
                {1, 1, 1, 32, 1, 1, 48 * 1024 + 1}, {0, 1, 1, 32, 1, 1, 0}};
            for (int[] o : over) {
                assertThrows(GpuException.class,
                        () -> d.launch(saxpy, o[0], o[1], o[2], o[3], o[4], o[5], o[6], GpuStream.DEFAULT, args),
                        java.util.Arrays.toString(o));
            }
            d.unload(module);
        }
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void vendorErrorsBecomeExceptionsNamingCallAndCode(Vendor vendor) {
        try (GpuDriver d = open(vendor)) {
            String symbol = vendor == Vendor.CUDA ? "cuMemAlloc_v2" : "mcMalloc";
            gpu.failNext(symbol, 2);
            GpuException e = assertThrows(GpuException.class, () -> d.allocate(64));
            assertEquals(2, e.code());
            assertTrue(e.getMessage().startsWith(symbol + "(64 bytes) failed: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("out of memory"), e.getMessage());
            assertEquals(vendor == Vendor.CUDA ? "CUDA_ERROR_OUT_OF_MEMORY" : "mcErrorMemoryAllocation", e.errorName());

            long small = d.allocate(16);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment big = arena.allocate(64);
                assertThrows(GpuException.class, () -> d.copyToDevice(small, big, 64));
            }
            assertTrue(gpu.failures().getLast().getMessage().contains("outside every allocation"),
                    gpu.failures().toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aLaterCallCanBeMadeToFail(Vendor vendor) {
        try (GpuDriver d = open(vendor)) {
            String symbol = vendor == Vendor.CUDA ? "cuMemAlloc_v2" : "mcMalloc";
            gpu.failLater(symbol, 2, 2);
            long a = d.allocate(16);
            long b = d.allocate(16);
            assertThrows(GpuException.class, () -> d.allocate(16));
            long c = d.allocate(16); // only the one call fails
            for (long p : new long[] {a, b, c}) {
                d.free(p);
            }
        }
    }

    @Test
    void cudaWorkWithoutACurrentContextIsRefused() throws Exception {
        try (GpuDriver d = open(Vendor.CUDA)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    d.allocate(16);
                } catch (Throwable x) {
                    thrown.set(x);
                }
            });
            t.join();
            GpuException e = (GpuException) thrown.get();
            assertEquals("CUDA_ERROR_INVALID_CONTEXT", e.errorName());
        }
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void gemmExComputesRowMajorProductThroughColumnMajorBlas(Vendor vendor) {
        int m = 5;
        int k = 7;
        int n = 3;
        Random r = new Random(42);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = bf16Round(r.nextFloat() * 2 - 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = bf16Round(r.nextFloat() * 2 - 1);
        }
        try (GpuDriver d = open(vendor); GpuBlas blas = d.openBlas(); Arena arena = Arena.ofConfined()) {
            long da = upload(d, arena, a);
            long db = upload(d, arena, b);
            long dc = d.allocate(4L * m * n);
            blas.setStream(GpuStream.DEFAULT);
            // Row-major C[m×n] = A[m×k] B[k×n] is column-major C^T = B^T A^T: swap the operands.
            blas.gemmEx(Transpose.N, Transpose.N, n, m, k, 1f, db, BlasType.BF16, n, da, BlasType.BF16, k,
                    0f, dc, BlasType.F32, n);
            MemorySegment c = arena.allocate(4L * m * n);
            d.copyToHost(c, dc, 4L * m * n);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    for (int p = 0; p < k; p++) {
                        ref += (double) a[i * k + p] * b[p * n + j];
                    }
                    assertEquals(ref, c.getAtIndex(ValueLayout.JAVA_FLOAT, i * n + j), 1e-5, "C[" + i + "][" + j + "]");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void stridedBatchedGemmWithTransposedWeights(Vendor vendor) {
        int batch = 2;
        int m = 4;
        int k = 6;
        int n = 5;
        Random r = new Random(7);
        float[] x = new float[batch * m * k];   // row-major activations, per batch m×k
        float[] w = new float[batch * n * k];   // row-major weights, per batch n×k (out × in)
        for (int i = 0; i < x.length; i++) {
            x[i] = bf16Round(r.nextFloat() - 0.5f);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = bf16Round(r.nextFloat() - 0.5f);
        }
        try (GpuDriver d = open(vendor); GpuBlas blas = d.openBlas(); Arena arena = Arena.ofConfined()) {
            long dx = upload(d, arena, x);
            long dw = upload(d, arena, w);
            long dy = d.allocate(4L * batch * m * n);
            // Row-major Y = X W^T: column-major Y^T = W X^T, and row-major W is column-major W^T, so op = T.
            blas.gemmStridedBatchedEx(Transpose.T, Transpose.N, n, m, k, 1f, dw, BlasType.BF16, k, (long) n * k,
                    dx, BlasType.BF16, k, (long) m * k, 0f, dy, BlasType.F32, n, (long) m * n, batch);
            MemorySegment y = arena.allocate(4L * batch * m * n);
            d.copyToHost(y, dy, 4L * batch * m * n);
            for (int q = 0; q < batch; q++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double ref = 0;
                        for (int p = 0; p < k; p++) {
                            ref += (double) x[q * m * k + i * k + p] * w[q * n * k + j * k + p];
                        }
                        assertEquals(ref, y.getAtIndex(ValueLayout.JAVA_FLOAT, q * m * n + i * n + j), 1e-5);
                    }
                }
            }
        }
    }

    private static float bf16Round(float v) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFF0000);
    }

    /** Uploads BF16 copies of {@code values} (already BF16-exact). */
    private static long upload(GpuDriver d, Arena arena, float[] values) {
        MemorySegment host = arena.allocate(2L * values.length);
        for (int i = 0; i < values.length; i++) {
            host.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
        }
        long dev = d.allocate(host.byteSize());
        d.copyToDevice(dev, host, host.byteSize());
        return dev;
    }
}
