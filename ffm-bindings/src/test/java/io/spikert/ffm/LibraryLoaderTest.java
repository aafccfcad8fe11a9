package io.spikert.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search order, the Python-wheel folders, explicit paths, and the "looked in" report. */
class LibraryLoaderTest {

    @Test
    void reportsEveryPlaceTriedWhenNothingIsFound(@TempDir Path tmp) throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Path missing = tmp.resolve("nowhere/libcuda.so.1");
        LibrarySearch search = LibrarySearch.only(NativeLibrary.CUDA_DRIVER, List.of(missing.toString()),
                List.of(empty.toString(), tmp + "/no-such-*/lib"));
        NativeLibraryNotFoundException e = assertThrows(NativeLibraryNotFoundException.class,
                () -> LibraryLoader.load(search));
        assertTrue(e.getMessage().startsWith("no CUDA driver found (looked in: "), e.getMessage());
        assertEquals(List.of(missing + " (no such file)", empty.toString(), tmp + "/no-such-*/lib"), e.lookedIn());
        assertTrue(e.getMessage().contains("-Dspikert.cuda.path="), e.getMessage());
    }

    @Test
    void defaultSearchOnThisMachineFindsNoDriverAndSaysWhere() {
        LibrarySearch search = LibrarySearch.defaults(NativeLibrary.CUDA_DRIVER);
        LibraryLoader.Loaded found = null;
        NativeLibraryNotFoundException e = null;
        try {
            found = LibraryLoader.load(search);
        } catch (NativeLibraryNotFoundException x) {
            e = x;
        }
        String source = found == null ? "" : found.source();
        assumeTrue(e != null, () -> "this machine has a CUDA driver (" + source + "); the no-driver report cannot be shown");
        String msg = e.getMessage();
        assertTrue(msg.startsWith("no CUDA driver found (looked in: "), msg);
        assertTrue(msg.contains("/usr/local/cuda/lib64"), msg);
        assertTrue(msg.contains("/nvidia/*/lib") || msg.contains("/nvidia/"), msg);
        assertTrue(msg.contains("system loader (libcuda.so.1, libcuda.so)"), msg);
    }

    @Test
    void defaultOrderPutsExplicitPathsFirstAndPythonWheelsAfterSystemFolders(@TempDir Path tmp) throws Exception {
        Path env = tmp.resolve("env");
        Files.createDirectories(env.resolve("bin"));
        Files.createFile(env.resolve("bin/python3"));
        Map<String, String> vars = Map.of(
                "LD_LIBRARY_PATH", "/opt/x/lib" + File.pathSeparator + "/opt/y/lib",
                "VIRTUAL_ENV", "/venv",
                "PATH", env.resolve("bin") + File.pathSeparator + "/usr/bin");
        LibrarySearch s = LibrarySearch.defaults(NativeLibrary.CUBLAS, "/explicit/a" + File.pathSeparator + "/explicit/b",
                vars, "/home/u");
        assertEquals(List.of("/explicit/a", "/explicit/b"), s.explicit());
        List<String> d = s.directories();
        int cuda = d.indexOf("/usr/local/cuda/lib64");
        int ld = d.indexOf("/opt/x/lib");
        int venv = d.indexOf("/venv/lib/python3*/site-packages/nvidia/*/lib");
        int onPath = d.indexOf(env + "/lib/python3*/site-packages/nvidia/*/lib");
        int user = d.indexOf("/home/u/.local/lib/python3*/site-packages/nvidia/*/lib");
        int system = d.indexOf("/usr/lib/python3*/dist-packages/nvidia/*/lib");
        assertTrue(d.indexOf("/usr/lib/x86_64-linux-gnu") == 0 || d.get(0).startsWith("/usr/lib/"), d.toString());
        assertTrue(cuda > 0 && d.contains("/usr/local/cuda/targets/*/lib"), d.toString());
        assertTrue(cuda < ld && ld < d.indexOf("/opt/y/lib"), d.toString());
        assertTrue(ld < venv && venv < onPath && onPath < user && user < system, d.toString());
        assertTrue(d.contains("/opt/conda/lib/python3*/site-packages/nvidia/*/lib"), d.toString());
        assertTrue(s.systemLoader());
    }

    @Test
    void findsALibraryInsideAPythonWheelFolder(@TempDir Path tmp) throws Exception {
        Path real = realCudart();
        Path lib = Files.createDirectories(tmp.resolve("venv/lib/python3.12/site-packages/nvidia/cu13/lib"));
        Files.copy(real, lib.resolve("libcudart.so.13"));
        LibrarySearch s = LibrarySearch.only(NativeLibrary.CUDA_RUNTIME, List.of(),
                List.of(tmp + "/venv/lib/python3*/site-packages/nvidia/*/lib"));
        LibraryLoader.Loaded loaded = LibraryLoader.load(s);
        assertEquals(lib.resolve("libcudart.so.13").toString(), loaded.source());
        assertTrue(loaded.lookup().find("cudaRuntimeGetVersion").isPresent());
    }

    @Test
    void explicitFileWinsAndUnloadableFilesAreReported(@TempDir Path tmp) throws Exception {
        Path bogusDir = Files.createDirectory(tmp.resolve("bogus"));
        Files.writeString(bogusDir.resolve("libcudart.so.13"), "not an ELF file");
        Path real = realCudart();
        LibrarySearch s = LibrarySearch.only(NativeLibrary.CUDA_RUNTIME, List.of(bogusDir.toString(), real.toString()),
                List.of());
        assertEquals(real.toString(), LibraryLoader.load(s).source());

        LibrarySearch onlyBogus = LibrarySearch.only(NativeLibrary.CUDA_RUNTIME, List.of(bogusDir.toString()), List.of());
        NativeLibraryNotFoundException e = assertThrows(NativeLibraryNotFoundException.class,
                () -> LibraryLoader.load(onlyBogus));
        assertTrue(e.getMessage().contains(bogusDir.resolve("libcudart.so.13") + " (could not be opened"), e.getMessage());
    }

    @Test
    void expandsStarSegmentsInSortedOrder(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("b/lib"));
        Files.createDirectories(tmp.resolve("a/lib"));
        Files.createDirectories(tmp.resolve("c/other"));
        assertEquals(List.of(tmp.resolve("a/lib"), tmp.resolve("b/lib")), LibraryLoader.expand(tmp + "/*/lib"));
    }

    @Test
    void bindingTwiceWithDifferentLookupsIsRefused() {
        java.lang.foreign.SymbolLookup one = name -> java.util.Optional.empty();
        java.lang.foreign.SymbolLookup two = name -> java.util.Optional.empty();
        LibraryLoader.bind(NativeLibrary.NVRTC, "first", one);
        LibraryLoader.bind(NativeLibrary.NVRTC, "first again", one);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LibraryLoader.bind(NativeLibrary.NVRTC, "second", two));
        assertTrue(e.getMessage().contains("already bound to first"), e.getMessage());
    }

    static Path realCudart() {
        Path found = null;
        for (String dir : List.of("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib")) {
            Path p = Path.of(dir, "libcudart.so.13");
            if (found == null && Files.isRegularFile(p)) {
                found = p;
            }
        }
        assumeTrue(found != null, "libcudart.so.13 is not installed on this machine");
        return found;
    }
}
