package io.spikert.runtime.gpu;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.Vendor;
import io.spikert.runtime.backend.GpuBackend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

import java.util.List;

/**
 * Every operator on a real CUDA device against the CPU (run by {@code dist/gpu/run-on-device.sh} with the other
 * gpu-tagged tests); skipped, with the reason, where no usable device or driver is found. The device's kernels
 * and BLAS round differently from the CPU's (fused multiply-adds, other summation orders), hence a looser
 * tolerance than the fake GPU's scalar twins get.
 */
@Tag("gpu")
class BackendOpsOnDeviceTest extends BackendOpsCases {

    @BeforeEach
    void requireDevice() {
        try (GpuDriver d = Vendor.CUDA.open()) {
            Assumptions.assumeFalse(d.librarySource().startsWith("fake"), "the fake GPU is bound in this JVM");
            Assumptions.assumeTrue(d.deviceCount() > 0, "CUDA driver found but no device");
        } catch (RuntimeException e) {
            Assumptions.abort("no usable CUDA driver, operator test on the device skipped: " + e.getMessage());
        }
    }

    @Override
    List<Vendor> vendors() {
        return List.of(Vendor.CUDA);
    }

    @Override
    GpuBackend open(Vendor vendor) {
        return GpuBackend.open(vendor);
    }

    @Override
    double tolerance() {
        return 1e-4;
    }
}
