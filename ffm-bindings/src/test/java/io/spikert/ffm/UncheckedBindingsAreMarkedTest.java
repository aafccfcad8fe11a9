package io.spikert.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.cublas.Cublas;
import io.spikert.ffm.cuda.CudaDriver;
import io.spikert.ffm.cudart.CudaRuntime;
import io.spikert.ffm.maca.McBlas;
import io.spikert.ffm.maca.McRuntime;
import io.spikert.ffm.nvrtc.Nvrtc;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bindings without a header here (cuBLAS, NVRTC, every MACA one) must carry {@link NotHeaderChecked}
 * on each function and constant; the header-checked CUDA driver and runtime must carry none.
 */
class UncheckedBindingsAreMarkedTest {

    @Test
    void everyMacaCublasAndNvrtcFunctionIsMarked() throws Exception {
        for (Class<?> c : List.of(McRuntime.class, McBlas.class, Cublas.class, Nvrtc.class)) {
            assertTrue(c.isAnnotationPresent(NotHeaderChecked.class), c.getSimpleName());
            List<String> unmarked = new ArrayList<>();
            int functions = 0;
            for (Method d : c.getMethods()) {
                if (!d.getName().endsWith("$descriptor")) {
                    continue;
                }
                functions++;
                String name = d.getName().substring(0, d.getName().length() - "$descriptor".length());
                if (!d.isAnnotationPresent(NotHeaderChecked.class) || !wrapper(c, name).isAnnotationPresent(NotHeaderChecked.class)) {
                    unmarked.add(name);
                }
            }
            assertTrue(functions > 0, c.getSimpleName());
            assertEquals(List.of(), unmarked, c.getSimpleName() + " functions without @NotHeaderChecked");
        }
    }

    @Test
    void everyMacaConstantIsMarked() {
        for (Class<?> c : List.of(McRuntime.class, McBlas.class)) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getParameterCount() == 0 && m.getReturnType() == int.class && !isFunction(c, m.getName())
                        && java.lang.reflect.Modifier.isPublic(m.getModifiers())) {
                    assertTrue(m.isAnnotationPresent(NotHeaderChecked.class), c.getSimpleName() + "." + m.getName());
                }
            }
        }
    }

    @Test
    void headerCheckedBindingsCarryNoMarker() {
        for (Class<?> c : List.of(CudaDriver.class, CudaRuntime.class, io.spikert.ffm.onednn.OneDnn.class)) {
            assertFalse(c.isAnnotationPresent(NotHeaderChecked.class), c.getSimpleName());
            for (Method m : c.getDeclaredMethods()) {
                assertFalse(m.isAnnotationPresent(NotHeaderChecked.class), c.getSimpleName() + "." + m.getName());
            }
        }
    }

    private static boolean isFunction(Class<?> c, String name) {
        try {
            c.getMethod(name + "$descriptor");
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static Method wrapper(Class<?> c, String name) {
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new AssertionError(c.getSimpleName() + " has no wrapper " + name);
    }
}
