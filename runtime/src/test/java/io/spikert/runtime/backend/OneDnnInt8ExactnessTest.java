package io.spikert.runtime.backend;

import io.spikert.ffm.onednn.OneDnnEngine;
import io.spikert.ffm.onednn.OneDnnGemm;
import io.spikert.runtime.vendor.CpuFlags;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The check that keeps spike products off oneDNN where its INT8 sums are not exact, on the carried library: with an
 * INT8 dot product in the CPU (read from Linux's flags, not from oneDNN) the sums must be exact and spike products
 * allowed; without one they are refused, saying why.
 */
class OneDnnInt8ExactnessTest {
    @Test
    void spikeProductsGoToOneDnnOnlyWhereItsInt8SumsAreExact() {
        OneDnnGemm library = OneDnnGemm.open();
        try (OneDnnEngine engine = OneDnnEngine.open(library)) {
            String refusal = OneDnnProducts.int8Refusal(library, engine);
            if (CpuFlags.int8DotProduct()) {
                assertNull(refusal, "a CPU with VNNI");
                assertTrue(library.hasInt8DotProduct(), "oneDNN dispatches to a set with VNNI");
            } else {
                assertNotNull(refusal, "a CPU without VNNI");
                assertTrue(refusal.contains("not exact on this CPU") && refusal.contains("no VNNI"), refusal);
            }
            System.out.println("OneDnnInt8ExactnessTest: " + (refusal == null ? "exact" : refusal));
        }
    }
}
