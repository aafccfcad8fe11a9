package io.spikert.runtime.backend;

import io.spikert.runtime.Tuning;
import io.spikert.runtime.VendorMath;

/**
 * CPU backends with oneDNN off, for the tests of the Vector API kernels (this module's test class path carries
 * oneDNN, which a default backend would use); the oneDNN paths have their own tests (io.spikert.runtime.vendor).
 */
final class VectorApiBackends {
    private VectorApiBackends() {}

    static CpuBackend of(int threads) {
        return new CpuBackend(threads, Tuning.defaults().withVendorMath(VendorMath.OFF));
    }
}
