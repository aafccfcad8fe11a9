package io.spikert.model;

import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.gpu.FakeKernels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The lifecycle soak of {@link ModelLifecycleSoakTest} on the fake GPU (driver and BLAS as upcall stubs on
 * host memory): each cycle opens a GPU backend, loads the model device-resident (weights uploaded), opens a
 * session, prefills and decodes, and closes all three. After every cycle, exactly: no fake device memory is
 * left, every driver object the cycle created was destroyed (the fake records each C call: allocations and
 * frees, pinned host buffers, modules, streams, events, BLAS handles and the primary context come in
 * pairs), and no mapping or descriptor of the model's files is held.
 */
class FakeGpuLifecycleSoakTest {
    static final int CYCLES = 100;
    /** C functions that create a driver object, each with the one that destroys it (names without "_v2"). */
    static final List<List<String>> PAIRS = List.of(
            List.of("cuMemAlloc", "cuMemFree"),
            List.of("cuMemAllocHost", "cuMemFreeHost"),
            List.of("cuModuleLoadData", "cuModuleUnload"),
            List.of("cuStreamCreate", "cuStreamDestroy"),
            List.of("cuEventCreate", "cuEventDestroy"),
            List.of("cublasCreate", "cublasDestroy"),
            List.of("cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease"));

    @BeforeAll
    static void installFakeGpu() {
        Assumptions.assumeTrue(ProcessResources.available(), "needs /proc/self (Linux)");
        FakeGpu.shared().install();
    }

    static Stream<Arguments> models() {
        return Stream.of(Arguments.of("base f32", ModelLifecycleSoakTest.TINY_F32),
                Arguments.of("w8aspike", ModelLifecycleSoakTest.TINY_W8ASPIKE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void deviceResidentModelOpenedAndClosedHoldsNothingBack(String label, Path dir) throws IOException {
        Path folder = dir.toRealPath();
        int[] prompt = TestModels.ids(12, 512, 5);
        for (int c = 0; c < CYCLES; c++) {
            // the fake records every call; each cycle starts with an empty record and nothing allocated
            FakeGpu.shared().reset();
            FakeKernels.register(FakeGpu.shared());
            try (var gpu = GpuBackend.open(Vendor.CUDA); var model = SpikingBrainModel.load(folder, gpu);
                 Session session = model.newSession(8)) {
                assertTrue(model.backend().deviceMemory(), label);
                assertTrue(Float.isFinite(session.prefill(prompt)[0]));
                assertTrue(Float.isFinite(session.decode(prompt[0])[0]));
            }
            String cycle = label + ", cycle " + c;
            assertEquals(0, FakeGpu.shared().allocatedBytes(), cycle + ": device memory after close");
            Map<String, Integer> calls = new TreeMap<>();
            FakeGpu.shared().calls().forEach(n -> calls.merge(n.replace("_v2", ""), 1, Integer::sum));
            assertTrue(calls.getOrDefault("cuMemAlloc", 0) > 0 && calls.getOrDefault("cuModuleLoadData", 0) > 0,
                    cycle + ": the cycle allocated and loaded kernels: " + calls);
            for (List<String> pair : PAIRS) {
                assertEquals(calls.getOrDefault(pair.get(0), 0), calls.getOrDefault(pair.get(1), 0),
                        cycle + ": " + pair.get(0) + " without " + pair.get(1) + " in " + calls);
            }
            assertTrue(FakeGpu.shared().failures().isEmpty(), cycle + ": " + FakeGpu.shared().failures());
            ProcessResources now = ProcessResources.now(folder);
            assertEquals(0, now.mappingsUnder(), cycle + ": mappings of the model's files after close");
            assertEquals(0, now.fdsUnder(), cycle + ": descriptors of the model's files after close");
        }
        FakeGpu.shared().reset();
    }
}
