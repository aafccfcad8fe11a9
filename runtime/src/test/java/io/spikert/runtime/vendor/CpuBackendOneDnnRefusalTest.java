package io.spikert.runtime.vendor;

import io.spikert.runtime.ComputePool;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.VendorMath;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Only a CPU without BF16 instructions (read from Linux's flags, apart from oneDNN) may refuse the carried oneDNN,
 * and then by name: {@code require} fails saying why, {@code auto} runs the Vector API and says why once. Such a CPU
 * that oneDNN has an FP32 x BF16 kernel for (AVX2) takes the library with FP32 activations, and says so. Where the
 * library runs, {@link CpuBackendOneDnnTest} holds its products to the reference.
 */
class CpuBackendOneDnnRefusalTest {
    @Test
    void onlyACpuWithoutBf16KernelsRefusesTheLibraryAndThenByName() {
        try (ComputePool pool = new ComputePool(1)) {
            CpuBackend required;
            try {
                required = new CpuBackend(pool, false, CpuBackendOneDnnTest.tuning(VendorMath.REQUIRE, 4));
            } catch (IllegalStateException refused) {
                assertFalse(CpuFlags.bf16(), "a CPU with BF16 instructions refused: " + refused.getMessage());
                assertTrue(refused.getMessage().contains(Tuning.VENDOR_MATH + "=require")
                        && refused.getMessage().contains("has no BF16 matmul on this CPU")
                        && refused.getMessage().contains("dnnl_unimplemented"), refused.getMessage());
                try (CpuBackend auto = new CpuBackend(pool, false, CpuBackendOneDnnTest.tuning(VendorMath.AUTO, 4))) {
                    assertFalse(auto.usesVendorMath());
                    assertTrue(auto.vendorMath().startsWith("oneDNN not used: ")
                            && auto.vendorMath().contains("no BF16 matmul"), auto.vendorMath());
                }
                return;
            }
            try (CpuBackend cpu = required) {
                assertTrue(cpu.usesVendorMath(), cpu.vendorMath());
                boolean fp32Activations = cpu.vendorMath().contains("FP32 activations x BF16 weights: no BF16 x BF16 matmul on this CPU");
                // AVX2 without AVX-512 or BF16: oneDNN has no BF16 x BF16 kernel here; with BF16 instructions it has one
                assertFalse(CpuFlags.bf16() && fp32Activations, cpu.vendorMath());
                assertFalse(CpuFlags.avx2Only() && !fp32Activations, cpu.vendorMath());
                if (fp32Activations) {
                    assertTrue(cpu.vendorMath().contains("INT8 products of a float input on the Vector API")
                            && !cpu.usesVendorInt8FloatProducts()
                            && cpu.vendorFromTokens() == CpuBackend.F32_ACTIVATION_VENDOR_FROM_TOKENS, cpu.vendorMath());
                }
            }
        }
    }
}
