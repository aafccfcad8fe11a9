package io.spikert.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.cublas.Cublas;
import io.spikert.ffm.cuda.CudaDriver;
import io.spikert.ffm.cudart.CudaRuntime;
import io.spikert.ffm.maca.McBlas;
import io.spikert.ffm.maca.McRuntime;
import io.spikert.ffm.nvrtc.Nvrtc;
import io.spikert.ffm.onednn.OneDnn;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/** Binding classes must initialise and hand out constants without opening any vendor library. */
class BindingClassesLoadWithoutLibraryTest {

    @Test
    void classesInitialiseAndConstantsReadWithoutLoadingAnything() throws Exception {
        for (Class<?> c : new Class<?>[] {CudaDriver.class, CudaRuntime.class, Cublas.class, Nvrtc.class,
                McRuntime.class, McBlas.class, OneDnn.class}) {
            Class.forName(c.getName(), true, c.getClassLoader());
            int constants = 0;
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && m.getParameterCount() == 0 && m.getReturnType() == int.class
                        && !hasDescriptor(c, m.getName())) {
                    m.invoke(null);
                    constants++;
                }
            }
            assertTrue(constants > 0, c.getSimpleName() + " exposes no constants");
        }
        assertEquals(0, CudaDriver.CUDA_SUCCESS());
        assertEquals(2, CudaDriver.CUDA_ERROR_OUT_OF_MEMORY());
        assertEquals(10, CudaDriver.CU_DEVICE_ATTRIBUTE_WARP_SIZE());
        assertEquals(14, Cublas.CUDA_R_16BF());
        assertEquals(68, Cublas.CUBLAS_COMPUTE_32F());
        assertEquals(35, CudaRuntime.cudaErrorInsufficientDriver());
        assertEquals(2, OneDnn.dnnl_invalid_arguments());
        assertEquals(ValueLayout.JAVA_LONG, CudaDriver.C_LONG);
        assertEquals(8, CudaDriver.C_POINTER.byteSize());
        for (NativeLibrary lib : NativeLibrary.values()) {
            assertNull(LibraryLoader.bound(lib), lib + " was loaded by class initialisation");
        }
    }

    private static boolean hasDescriptor(Class<?> c, String name) {
        try {
            c.getMethod(name + "$descriptor");
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
