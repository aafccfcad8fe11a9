package io.spikert.model;

import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.vendor.CpuFlags;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Which CPU product path this test run exercises, checked rather than assumed. The model's class path carries
 * oneDNN (org.bytedeco:dnnl), so the default CPU backend uses it; the module's second test pass takes the carrier off
 * the class path (surefire execution without-onednn), and the backend must then run without the carried copy: on the Vector
 * API, unless the machine has a usable oneDNN 3.x of its own.
 */
class VendorMathPathTest {
    static final String CARRIED = "org/bytedeco/dnnl/linux-x86_64/libdnnl.so.3";

    @Test
    void theDefaultBackendTakesThePathTheClassPathAllows() {
        boolean carried = VendorMathPathTest.class.getClassLoader().getResource(CARRIED) != null;
        try (CpuBackend cpu = new CpuBackend(1)) {
            if (carried && !cpu.usesVendorMath() && !CpuFlags.bf16()) {
                // found, but this CPU has no BF16 kernel in it (AVX2 without BF16, say): the Vector API runs, named why
                assertTrue(cpu.vendorMath().startsWith("oneDNN not used: ") && cpu.vendorMath().contains("onednn-dnnl-")
                        && cpu.vendorMath().contains("has no BF16 matmul on this CPU"), cpu.vendorMath());
            } else if (carried) {
                assertTrue(cpu.usesVendorMath(), "the carried oneDNN should be found: " + cpu.vendorMath());
                // on AVX2 alone it multiplies FP32 activations by BF16 weights, and says so; with BF16 instructions, BF16 ones
                boolean fp32Activations = cpu.vendorMath().contains("FP32 activations x BF16 weights");
                assertFalse(CpuFlags.bf16() && fp32Activations, cpu.vendorMath());
                assertFalse(CpuFlags.avx2Only() && !fp32Activations, cpu.vendorMath());
            } else if (cpu.usesVendorMath()) {
                assertFalse(cpu.vendorMath().contains("onednn-dnnl-"), "no carried copy without the carrier: " + cpu.vendorMath());
            } else {
                assertTrue(cpu.vendorMath().startsWith("oneDNN not used: "), cpu.vendorMath());
            }
            System.out.println("VendorMathPathTest: carrier " + (carried ? "present" : "absent") + "; " + cpu.vendorMath());
        }
    }
}
