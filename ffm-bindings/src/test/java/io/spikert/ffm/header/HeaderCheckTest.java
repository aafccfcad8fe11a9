package io.spikert.ffm.header;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.NativeLibrary;
import io.spikert.ffm.NotHeaderChecked;
import io.spikert.ffm.cublas.Cublas;
import io.spikert.ffm.cuda.CudaDriver;
import io.spikert.ffm.cudart.CudaRuntime;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the CUDA driver and runtime bindings against the installed CUDA headers: every bound
 * function must be declared (under its versioned name after the header's renaming macros) with the
 * same arity and argument kinds, and every constant must have the header's value.
 */
class HeaderCheckTest {
    private static final Path INCLUDE = Path.of(System.getProperty("spikert.cuda.include", "/usr/local/cuda/include"));

    @BeforeAll
    static void bindNeverCalledSymbols() {
        // Reading a descriptor initialises its holder, which resolves the symbol; this JVM has no
        // driver, so give every name one dummy address. Nothing here calls through it.
        MemorySegment dummy = Arena.global().allocate(16);
        LibraryLoader.bind(NativeLibrary.CUDA_DRIVER, "header check (never called)", name -> Optional.of(dummy));
        LibraryLoader.bind(NativeLibrary.CUDA_RUNTIME, "header check (never called)", name -> Optional.of(dummy));
    }

    private static CHeader header(String... files) throws Exception {
        Path[] paths = new Path[files.length];
        for (int i = 0; i < files.length; i++) {
            paths[i] = INCLUDE.resolve(files[i]);
            assumeTrue(Files.isRegularFile(paths[i]), "CUDA header " + paths[i] + " is not installed; nothing to check against");
        }
        return CHeader.parse(paths);
    }

    @Test
    void everyDriverFunctionMatchesCudaH() throws Exception {
        CHeader h = header("cuda.h");
        List<String> checked = checkFunctions(CudaDriver.class, h);
        assertTrue(checked.size() >= 39, "expected every driver binding to be checked, got " + checked);
    }

    @Test
    void runtimeFunctionsMatchCudaRuntimeApiH() throws Exception {
        CHeader h = header("driver_types.h", "cuda_runtime_api.h");
        assertEquals(3, checkFunctions(CudaRuntime.class, h).size());
    }

    @Test
    void headerRenamesVersionedSymbols() throws Exception {
        CHeader h = header("cuda.h");
        // The parser must see through both macro styles, or the function check above proves nothing.
        assertEquals("cuMemAlloc_v2", h.rename("cuMemAlloc"));
        assertEquals("cuMemcpyHtoD_v2", h.rename("cuMemcpyHtoD"));
        assertEquals("cuEventElapsedTime_v2", h.rename("cuEventElapsedTime"));
        assertEquals("cuLaunchKernel", h.rename("cuLaunchKernel"));
        assertEquals("unsigned long long", h.resolveType("CUdeviceptr"));
        assertEquals("int", h.resolveType("CUdevice"));
        assertEquals("struct CUctx_st *", h.resolveType("CUcontext"));
        // The unversioned legacy prototype (32-bit sizes) must not be taken for the _v2 one.
        assertEquals(List.of("CUdeviceptr *", "size_t"), h.prototype("cuMemAlloc_v2").parameterTypes());
    }

    @Test
    void driverConstantsMatchCudaH() throws Exception {
        assertEquals(0, checkConstants(CudaDriver.class, header("cuda.h")), "CudaDriver constants marked unchecked");
    }

    @Test
    void runtimeConstantsMatchHeaders() throws Exception {
        assertEquals(0, checkConstants(CudaRuntime.class, header("driver_types.h", "cuda_runtime_api.h")));
    }

    @Test
    void cublasDataTypesMatchLibraryTypesH() throws Exception {
        int annotated = checkConstants(Cublas.class, header("library_types.h"));
        assertTrue(annotated > 0, "the CUBLAS_* values cannot be checked here and must say so");
    }

    /** Checks each function binding of {@code bindings} against {@code h}; returns the names checked. */
    static List<String> checkFunctions(Class<?> bindings, CHeader h) throws Exception {
        List<String> checked = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Method m : bindings.getMethods()) {
            if (!m.getName().endsWith("$descriptor")) {
                continue;
            }
            String name = m.getName().substring(0, m.getName().length() - "$descriptor".length());
            FunctionDescriptor desc = (FunctionDescriptor) m.invoke(null);
            CHeader.Prototype p = h.prototype(name);
            if (p == null) {
                problems.add(name + ": not declared under this name (after the header's renaming macros)");
                continue;
            }
            List<String> expected = new ArrayList<>();
            for (String t : p.parameterTypes()) {
                expected.add(kind(h.resolveType(t)));
            }
            List<String> actual = new ArrayList<>();
            for (MemoryLayout l : desc.argumentLayouts()) {
                actual.add(kind(l));
            }
            String expectedReturn = kind(h.resolveType(p.returnType()));
            String actualReturn = desc.returnLayout().map(HeaderCheckTest::kind).orElse("void");
            if (!expected.equals(actual) || !expectedReturn.equals(actualReturn)) {
                problems.add(name + ": header " + expectedReturn + " " + expected + " (" + p.text() + "), binding "
                        + actualReturn + " " + actual);
            }
            checked.add(name);
        }
        if (!problems.isEmpty()) {
            fail(bindings.getSimpleName() + " disagrees with the header:\n  " + String.join("\n  ", problems));
        }
        return checked;
    }

    /**
     * Checks every constant accessor of {@code bindings} against {@code h}, skipping those marked
     * {@link NotHeaderChecked} (and failing if a marked one is in fact in the header, or an unmarked
     * one is missing). Returns how many were marked.
     */
    static int checkConstants(Class<?> bindings, CHeader h) throws Exception {
        TreeSet<String> functions = new TreeSet<>();
        for (Method m : bindings.getMethods()) {
            if (m.getName().endsWith("$descriptor")) {
                functions.add(m.getName().substring(0, m.getName().length() - "$descriptor".length()));
            }
        }
        List<String> problems = new ArrayList<>();
        int annotated = 0;
        int checked = 0;
        for (Method m : bindings.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || !Modifier.isStatic(m.getModifiers())
                    || m.getParameterCount() != 0 || m.getReturnType() != int.class || functions.contains(m.getName())) {
                continue;
            }
            Long headerValue = h.constant(m.getName());
            if (m.isAnnotationPresent(NotHeaderChecked.class)) {
                annotated++;
                if (headerValue != null) {
                    problems.add(m.getName() + " is marked unchecked but the header has it");
                }
                continue;
            }
            int value = (int) m.invoke(null);
            if (headerValue == null) {
                problems.add(m.getName() + ": not in the header");
            } else if (headerValue != value) {
                problems.add(m.getName() + ": header " + headerValue + ", binding " + value);
            }
            checked++;
        }
        if (!problems.isEmpty()) {
            fail(bindings.getSimpleName() + " constants disagree with the header:\n  " + String.join("\n  ", problems));
        }
        assertFalse(checked == 0, "no constants of " + bindings.getSimpleName() + " were checked");
        return annotated;
    }

    /** The ABI kind of a resolved C type: int, long, float, byte, pointer or void. */
    static String kind(String cType) {
        String t = cType.strip();
        if (t.contains("*")) {
            return "pointer";
        }
        if (t.equals("enum") || t.startsWith("enum ") || t.equals("int") || t.equals("unsigned int")
                || t.equals("signed int") || t.equals("unsigned") || t.equals("int32_t") || t.equals("uint32_t")) {
            return "int";
        }
        return switch (t) {
            case "size_t", "unsigned long long", "long long", "unsigned long", "long", "long long int", "int64_t",
                 "uint64_t" -> "long";
            case "float" -> "float";
            case "char", "unsigned char", "signed char", "int8_t", "uint8_t" -> "byte";
            case "void" -> "void";
            default -> throw new AssertionError("no ABI kind for C type '" + cType + "'");
        };
    }

    static String kind(MemoryLayout l) {
        assertNotNull(l);
        if (l instanceof AddressLayout) {
            return "pointer";
        } else if (l instanceof ValueLayout.OfInt) {
            return "int";
        } else if (l instanceof ValueLayout.OfLong) {
            return "long";
        } else if (l instanceof ValueLayout.OfFloat) {
            return "float";
        } else if (l instanceof ValueLayout.OfByte) {
            return "byte";
        }
        throw new AssertionError("unexpected layout " + l);
    }
}
