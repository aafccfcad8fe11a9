package io.spikert.ffm.header;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spikert.ffm.LibraryLoader;
import io.spikert.ffm.NativeLibrary;
import io.spikert.ffm.onednn.OneDnn;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the oneDNN bindings against the headers of the oneDNN the build carries: the Maven Central carrier
 * jar (a test dependency of this module) ships {@code include/oneapi/dnnl/*.h} beside the library, so every
 * prototype and value in {@link OneDnn} is compared with oneDNN 3.13's own text on every build.
 */
class OneDnnHeaderCheckTest {
    private static final String INCLUDE = "org/bytedeco/dnnl/linux-x86_64/include/oneapi/dnnl/";
    private static final List<String> FILES = List.of("dnnl_config.h", "dnnl_version.h", "dnnl_common_types.h",
            "dnnl_types.h", "dnnl_common.h", "dnnl.h");

    @TempDir
    static Path dir;

    private static CHeader header;

    @BeforeAll
    static void readHeaders() throws Exception {
        Path[] paths = new Path[FILES.size()];
        for (int i = 0; i < paths.length; i++) {
            try (InputStream in = OneDnnHeaderCheckTest.class.getClassLoader().getResourceAsStream(INCLUDE + FILES.get(i))) {
                assertNotNull(in, INCLUDE + FILES.get(i) + " is not on the test class path: the oneDNN carrier jar "
                        + "(org.bytedeco:dnnl, linux-x86_64) is a test dependency of ffm-bindings and ships it");
                paths[i] = dir.resolve(FILES.get(i));
                Files.copy(in, paths[i]);
            }
        }
        header = CHeader.parse(paths);
        // Reading a descriptor resolves its symbol; nothing here calls through this address.
        MemorySegment dummy = Arena.global().allocate(16);
        LibraryLoader.bind(NativeLibrary.ONEDNN, "header check (never called)", name -> Optional.of(dummy));
    }

    @Test
    void everyFunctionMatchesDnnlH() throws Exception {
        List<String> checked = HeaderCheckTest.checkFunctions(OneDnn.class, header);
        assertEquals(28, checked.size(), "every oneDNN binding checked: " + checked);
    }

    @Test
    void everyConstantMatchesTheHeaders() throws Exception {
        assertEquals(0, HeaderCheckTest.checkConstants(OneDnn.class, header), "OneDnn constants marked unchecked");
    }
}
