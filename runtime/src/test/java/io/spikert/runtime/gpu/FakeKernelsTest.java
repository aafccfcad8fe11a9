package io.spikert.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.GpuDriver;
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
                KernelCases.NAMES.stream().map(n -> n.startsWith("swa_attend") ? "swa_attend" : n).distinct().sorted().toList());
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
