package io.spikert.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.GpuBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole model with its products on a GPU backend, run on the fake GPU (FFM upcall stubs that
 * implement the driver and BLAS on host memory), under the CUDA and the MACA names: allocation,
 * weight upload, copies and GemmEx calls are real downcalls. Logits must match the CPU backend.
 */
class GpuBackendFakeDeviceTest {
    static final Path TINY = Path.of("src/test/resources/tiny");

    @BeforeAll
    static void installFakeGpu() {
        FakeGpu.shared().install();
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void bf16ModelMatchesTheCpuBackend(Vendor vendor) throws IOException {
        int[] ids = new ObjectMapper().readValue(TINY.resolve("golden/ids.json").toFile(), int[].class);
        float[] cpuLogits;
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(TINY.resolve("bf16-safetensors"), cpu)) {
            cpuLogits = model.newSession(16).prefill(ids).clone();
        }
        FakeGpu.shared().reset();
        try (var gpu = GpuBackend.open(vendor, 2); var model = SpikingBrainModel.load(TINY.resolve("bf16-safetensors"), gpu)) {
            assertTrue(gpu.deviceBytes() > 0, "weights were uploaded at load");
            Session s = model.newSession(16);
            float[] prefill = s.prefill(ids).clone();
            double err = TestModels.relativeError(prefill, 0, cpuLogits, 0, cpuLogits.length);
            assertTrue(err <= 1e-3, vendor + ": relative logit error " + err);
            assertTrue(FakeGpu.shared().calls().stream().anyMatch(c -> c.toLowerCase().contains("gemmex")),
                    "products went through BLAS GemmEx: " + FakeGpu.shared().calls().stream().distinct().toList());
            float[] decoded = s.decode(ids[0]);
            assertTrue(Float.isFinite(decoded[0]));
        }
    }
}
