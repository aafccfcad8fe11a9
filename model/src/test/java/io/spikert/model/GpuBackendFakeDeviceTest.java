package io.spikert.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.gpu.FakeKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The products-only GPU path (what W8ASpike uses on a GPU), driven through {@link GpuBackend#linear}
 * by the CPU session on the fake GPU under the CUDA and the MACA names: weights uploaded on first use
 * in their own dtype, F32 products through BLAS GemmEx. Logits must match the CPU backend.
 */
class GpuBackendFakeDeviceTest {
    static final Path TINY = Path.of("src/test/resources/tiny");

    @BeforeAll
    static void installFakeGpu() {
        FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        FakeGpu.shared().reset();
        FakeKernels.register(FakeGpu.shared());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void productsOnTheDeviceMatchTheCpuBackend(Vendor vendor) throws IOException {
        int[] ids = new ObjectMapper().readValue(TINY.resolve("golden/ids.json").toFile(), int[].class);
        float[] cpuLogits;
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(TINY.resolve("f32"), cpu)) {
            cpuLogits = model.newSession(16).prefill(ids).clone();
        }
        try (var gpu = GpuBackend.open(vendor, 2); var model = SpikingBrainModel.load(TINY.resolve("f32"), gpu)) {
            assertEquals(0, gpu.deviceBytes(), "nothing uploaded before a product needs it");
            // The CPU session of a model bound to the GPU backend: what a W8ASpike model runs.
            Session s = new CpuSession(model, 16);
            float[] prefill = s.prefill(ids).clone();
            double err = TestModels.relativeError(prefill, 0, cpuLogits, 0, cpuLogits.length);
            assertTrue(err <= 1e-3, vendor + ": relative logit error " + err);
            assertTrue(gpu.deviceBytes() > 0, "weights uploaded on use");
            assertTrue(FakeGpu.shared().calls().stream().anyMatch(c -> c.toLowerCase().contains("gemmex")),
                    "F32 products went through BLAS GemmEx: " + FakeGpu.shared().calls().stream().distinct().toList());
            assertTrue(Float.isFinite(s.decode(ids[0])[0]));
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after close");
        assertTrue(FakeGpu.shared().failures().isEmpty(), FakeGpu.shared().failures().toString());
    }
}
