package io.spikert.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuException;
import io.spikert.ffm.NativeLibraryNotFoundException;
import io.spikert.ffm.Vendor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed PTX on a real NVIDIA device, each kernel against its scalar twin within the case's
 * tolerance. Skipped, with the reason, where no CUDA driver or device is found.
 */
@Tag("gpu")
class GpuKernelsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sm_80", "sm_90"})
    void kernelsMatchTheirTwinsOnTheDevice(String arch) {
        GpuDriver d;
        try {
            d = Vendor.CUDA.open();
        } catch (NativeLibraryNotFoundException e) {
            Assumptions.abort("no CUDA driver found, GPU kernel test skipped: " + e.getMessage());
            return;
        }
        try (d) {
            // With -Dtest=..., surefire may run this class in a JVM where another test installed the fake GPU.
            Assumptions.assumeFalse(d.librarySource().startsWith("fake"),
                    "this JVM is bound to the fake GPU (" + d.librarySource() + "), not a CUDA driver; GPU kernel test skipped");
            int devices;
            try {
                devices = d.deviceCount();
            } catch (GpuException e) {
                Assumptions.abort("CUDA driver present but unusable, GPU kernel test skipped: " + e.getMessage());
                return;
            }
            Assumptions.assumeTrue(devices > 0, "CUDA driver found but no device, GPU kernel test skipped");
            d.useDevice(0);
            LoadedKernels k;
            try {
                k = KernelCatalog.load(d, arch);
            } catch (GpuException e) {
                // sm_90 PTX does not load on an sm_8x device; that is expected, not a failure.
                Assumptions.abort(arch + " PTX does not load on " + d.deviceName(0) + ": " + e.getMessage());
                return;
            }
            try (k) {
                StringBuilder failures = new StringBuilder();
                for (String name : KernelCases.NAMES) {
                    for (KernelCases.Outcome o : new KernelCases(d, k, name.hashCode()).run(name)) {
                        double worst = 0;
                        int at = -1;
                        for (int i = 0; i < o.expected().length; i++) {
                            // A NaN expected must come out NaN (an input fault the CPU passes on); NaN anywhere else is an error.
                            double err = Float.isNaN(o.expected()[i]) && Float.isNaN(o.actual()[i]) ? 0
                                    : Math.abs(o.actual()[i] - o.expected()[i]) / (1 + Math.abs(o.expected()[i]));
                            if (!(err <= worst)) {
                                worst = err;
                                at = i;
                            }
                        }
                        System.out.printf("%s %s %s: worst error %.3g at %d (tolerance %.1g)%n", arch, o.kernel(), o.output(), worst, at, o.gpuTolerance());
                        if (!(worst <= o.gpuTolerance())) {
                            failures.append(String.format("%s %s: error %.3g at %d, got %s expected %s%n", o.kernel(), o.output(),
                                    worst, at, o.actual()[at], o.expected()[at]));
                        }
                    }
                }
                assertTrue(failures.isEmpty(), failures.toString());
            }
        }
    }
}
