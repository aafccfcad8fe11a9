package io.spikert.runtime.vendor;

import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.NativeLibrary;
import io.spikert.runtime.ComputePool;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.VendorMath;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * With oneDNN hidden (bound, in this JVM, to a lookup that finds no symbol: as a library of the wrong kind
 * would be), the backend says why once and runs the Vector API; asked to require it, it refuses by name.
 */
class CpuBackendWithoutOneDnnTest {
    @BeforeAll
    static void hideTheLibrary() {
        LibraryLoader.bind(NativeLibrary.ONEDNN, "/nowhere/libdnnl.so.3 (hidden by the test)", name -> Optional.empty());
    }

    @Test
    void autoFallsBackAndSaysWhy() {
        try (CpuBackend cpu = new CpuBackend(new ComputePool(1), true, CpuBackendOneDnnTest.tuning(VendorMath.AUTO, 8))) {
            assertFalse(cpu.usesVendorMath());
            assertTrue(cpu.vendorMath().startsWith("oneDNN not used: ") && cpu.vendorMath().contains("/nowhere/libdnnl.so.3"),
                    cpu.vendorMath());
            assertTrue(cpu.name().contains(cpu.vendorMath()), cpu.name());
        }
    }

    @Test
    void requireRefusesNamingTheSwitchAndTheLibrary() {
        var e = assertThrows(IllegalStateException.class,
                () -> new CpuBackend(new ComputePool(1), true, CpuBackendOneDnnTest.tuning(VendorMath.REQUIRE, 8)));
        assertTrue(e.getMessage().contains(Tuning.VENDOR_MATH + "=require") && e.getMessage().contains("/nowhere/libdnnl.so.3"),
                e.getMessage());
    }

    @Test
    void offNeverLooks() {
        try (CpuBackend cpu = new CpuBackend(new ComputePool(1), true, CpuBackendOneDnnTest.tuning(VendorMath.OFF, 8))) {
            assertEquals("oneDNN off (" + Tuning.VENDOR_MATH + "=off)", cpu.vendorMath());
        }
    }
}
