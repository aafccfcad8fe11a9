package io.spikert.ffm.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.NativeLibrary;
import io.spikert.ffm.cublas.Cublas;
import io.spikert.ffm.cuda.CudaDriver;
import io.spikert.ffm.maca.McBlas;
import io.spikert.ffm.maca.McRuntime;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fake's C signatures come from its Java methods, written independently of the bindings; they
 * must agree with the binding descriptors, and the fake must implement every bound function the
 * vendor-neutral API uses, or the end-to-end tests would be calling through a mismatched ABI.
 */
class FakeSymbolsMatchBindingsTest {

    @BeforeAll
    static void install() {
        FakeGpu.shared().install();
    }

    @Test
    void cudaDriver() throws Exception {
        compare(NativeLibrary.CUDA_DRIVER, CudaDriver.class);
    }

    @Test
    void cublas() throws Exception {
        compare(NativeLibrary.CUBLAS, Cublas.class);
    }

    @Test
    void macaRuntime() throws Exception {
        compare(NativeLibrary.MACA_RUNTIME, McRuntime.class);
    }

    @Test
    void mcblas() throws Exception {
        compare(NativeLibrary.MACA_BLAS, McBlas.class);
    }

    private static void compare(NativeLibrary library, Class<?> bindings) throws Exception {
        Map<String, FunctionDescriptor> fake = FakeGpu.shared().symbols(library).descriptors();
        TreeSet<String> bound = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (Method m : bindings.getMethods()) {
            if (!m.getName().endsWith("$descriptor")) {
                continue;
            }
            String name = m.getName().substring(0, m.getName().length() - "$descriptor".length());
            bound.add(name);
            FunctionDescriptor f = fake.get(name);
            if (f == null) {
                problems.add(name + ": not implemented by the fake");
                continue;
            }
            FunctionDescriptor b = (FunctionDescriptor) m.invoke(null);
            if (!kinds(b).equals(kinds(f))) {
                problems.add(name + ": binding " + kinds(b) + ", fake " + kinds(f));
            }
        }
        for (String name : fake.keySet()) {
            if (!bound.contains(name)) {
                problems.add(name + ": faked but not bound");
            }
        }
        assertTrue(bound.size() > 3);
        assertEquals(List.of(), problems, library.displayName());
    }

    private static List<String> kinds(FunctionDescriptor d) {
        List<String> out = new ArrayList<>();
        out.add(d.returnLayout().map(FakeSymbolsMatchBindingsTest::kind).orElse("void"));
        for (MemoryLayout l : d.argumentLayouts()) {
            out.add(kind(l));
        }
        return out;
    }

    private static String kind(MemoryLayout l) {
        if (l instanceof AddressLayout) {
            return "pointer";
        }
        return ((ValueLayout) l).carrier().getSimpleName();
    }
}
