package io.spikert.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spikert.ffm.cudart.CudaRuntime;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * The real {@code libcudart.so.13} on a machine without a GPU driver: the runtime loads and reports
 * its version, and the missing driver comes back as a clear error, both from the runtime (code 35)
 * and from SpikeRT's own driver search.
 */
class RealCudartNoDriverTest {

    private static void requireCudartWithoutDriver() {
        LibraryLoader.Loaded cudart = null;
        String missing = "";
        try {
            cudart = LibraryLoader.require(NativeLibrary.CUDA_RUNTIME);
        } catch (NativeLibraryNotFoundException e) {
            missing = e.getMessage();
        }
        String why = missing;
        assumeTrue(cudart != null, () -> "libcudart is not installed here: " + why);
        assumeTrue(cudart.source().contains("libcudart.so.13"), "found " + cudart.source() + ", not libcudart.so.13");
        String driverSource = null;
        try {
            driverSource = LibraryLoader.load(LibrarySearch.defaults(NativeLibrary.CUDA_DRIVER)).source();
        } catch (NativeLibraryNotFoundException expected) {
            // the situation under test
        }
        String found = driverSource;
        assumeTrue(found == null, () -> "this machine has a CUDA driver (" + found + ")");
    }

    @Test
    void runtimeLoadsAndReportsMissingDriver() {
        requireCudartWithoutDriver();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
            assertEquals(CudaRuntime.cudaSuccess(), CudaRuntime.cudaRuntimeGetVersion(out));
            assertEquals(13000, out.get(ValueLayout.JAVA_INT, 0));

            int rc = CudaRuntime.cudaGetDeviceCount(out);
            assertEquals(35, rc);
            assertEquals(CudaRuntime.cudaErrorInsufficientDriver(), rc);
            String text = CudaRuntime.cudaGetErrorString(rc).reinterpret(Long.MAX_VALUE).getString(0);
            assertTrue(text.toLowerCase(java.util.Locale.ROOT).contains("driver"), text);
        }
    }

    @Test
    void openingTheCudaVendorSaysNoDriverFound() {
        requireCudartWithoutDriver();
        NativeLibraryNotFoundException e = assertThrows(NativeLibraryNotFoundException.class, Vendor.CUDA::open);
        assertTrue(e.getMessage().startsWith("no CUDA driver found (looked in: "), e.getMessage());
        assertFalse(e.lookedIn().isEmpty());
        // Failing must not poison anything: asking again gives the same report, not a class-init error.
        NativeLibraryNotFoundException again = assertThrows(NativeLibraryNotFoundException.class, Vendor.CUDA::open);
        assertEquals(e.getMessage(), again.getMessage());
    }
}
