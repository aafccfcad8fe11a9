package io.spikert.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuStream;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every catalogue kernel launched through the fake driver, under the CUDA and the MACA names, from the
 * committed PTX: catalogue lookup, argument packing, device copies and the twin's unpacking must give
 * exactly what the scalar twin gives on host arrays. Runs in its own JVM (the fake binding is per process).
 */
class FakeKernelsTest {
    private static FakeGpu gpu;

    @BeforeAll
    static void install() {
        gpu = FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        gpu.reset();
        FakeKernels.register(gpu);
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (Vendor v : Vendor.values()) {
            for (String arch : KernelCatalog.ARCHS) {
                for (String name : KernelCases.NAMES) {
                    all.add(Arguments.of(v, arch, name));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void launchMatchesTheScalarTwin(Vendor vendor, String arch, String name) {
        try (GpuDriver d = vendor.open()) {
            d.useDevice(0);
            try (LoadedKernels k = KernelCatalog.load(d, arch)) {
                for (KernelCases.Outcome o : new KernelCases(d, k, name.hashCode()).run(name)) {
                    assertArrayEquals(o.expected(), o.actual(), o.kernel() + " " + o.output());
                    assertFalse(allZero(o.expected()), o.kernel() + " " + o.output() + ": a vacuous case");
                }
            }
            assertEquals(0, gpu.allocatedBytes(), "device memory left behind");
            assertTrue(gpu.failures().isEmpty(), gpu.failures().toString());
        }
    }

    @Test
    void everyCatalogueKernelHasATwinAndACase() {
        assertEquals(KernelCatalog.kernels().stream().map(KernelSpec::name).sorted().toList(),
                FakeKernels.twins().keySet().stream().sorted().toList());
        assertEquals(KernelCatalog.kernels().stream().map(KernelSpec::name).sorted().toList(),
                KernelCases.NAMES.stream().map(n -> n.replaceFirst("_(decode|prefill)$", "")).distinct().sorted().toList());
    }

    /**
     * The dense INT8 products read codes, counts and x 16 bytes a load (spike.cu); on a device a
     * misaligned pointer is a misaligned-address fault, so the twins refuse it too instead of
     * computing a result no GPU would give.
     */
    @Test
    void theDenseInt8TwinsRefuseBuffersTheir128BitLoadsCannotRead() {
        try (GpuDriver d = Vendor.CUDA.open()) {
            d.useDevice(0);
            try (LoadedKernels k = KernelCatalog.load(d, "sm_90")) {
                long buf = d.allocate(4096);
                int rows = 8, cols = 128, tokens = 2;
                record Case(String kernel, long codes, long input, String what) {}
                for (Case c : List.of(new Case("spike_matmul", buf, buf + 1024 + 4, "counts"),
                        new Case("int8_matvec", buf, buf + 1024 + 8, "counts"),
                        new Case("int8_float_matmul", buf, buf + 1024 + 12, "x"),
                        new Case("spike_matmul", buf + 1, buf + 1024, "codes"))) {
                    int before = gpu.failures().size();
                    Object[] args = switch (c.kernel()) {
                        case "spike_matmul" -> new Object[] {c.codes(), buf, buf, buf, buf, c.input(), buf, buf + 3072,
                            rows, cols, tokens};
                        case "int8_matvec" -> new Object[] {c.codes(), buf, buf, buf, buf, c.input(), buf, buf + 3072, rows, cols};
                        default -> new Object[] {c.codes(), buf, buf, buf, buf, c.input(), buf + 3072, rows, cols, tokens};
                    };
                    assertThrows(RuntimeException.class, () -> {
                        d.launch(k.kernel(c.kernel()), 1, 1, 1, 256, 1, 1, 0, GpuStream.DEFAULT,
                                KernelCatalog.kernel(c.kernel()).args(args));
                        d.synchronize();
                    }, c.toString());
                    String failed = gpu.failures().subList(before, gpu.failures().size()).toString();
                    assertTrue(failed.contains(c.kernel() + ": " + c.what() + " at 0x"), c + ": " + failed);
                    assertTrue(failed.contains("is not 16-byte aligned"), failed);
                }
                d.free(buf);
            }
            gpu.reset();
        }
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
