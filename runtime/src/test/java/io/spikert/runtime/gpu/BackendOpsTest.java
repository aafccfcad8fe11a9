package io.spikert.runtime.gpu;

import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.runtime.backend.GpuBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operator on the fake GPU (each kernel a scalar twin behind real launches, argument packing and copies),
 * under the CUDA and the MACA names, against the CPU; nothing may be left allocated.
 */
class BackendOpsTest extends BackendOpsCases {

    @BeforeAll
    static void installFakeGpu() {
        FakeGpu.shared().install();
    }

    @BeforeEach
    void resetFakeGpu() {
        FakeGpu.shared().reset();
        FakeKernels.register(FakeGpu.shared());
    }

    @AfterEach
    void nothingLeft() {
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after the test");
        assertTrue(FakeGpu.shared().failures().isEmpty(), FakeGpu.shared().failures().toString());
    }

    @Override
    List<Vendor> vendors() {
        return List.of(Vendor.values());
    }

    @Override
    GpuBackend open(Vendor vendor) {
        return GpuBackend.open(vendor);
    }

    @Override
    double tolerance() {
        return 1e-5;
    }
}
