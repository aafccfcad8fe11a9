package io.spikert.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The committed PTX against the catalogue: headers, the set of entries and each entry's parameter types. */
class KernelCatalogTest {
    private static final Pattern ENTRY = Pattern.compile("\\.visible\\s+\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(\\.\\w+)\\s+(\\w+)");
    /** The kernels' CUDA sources, from the module folder tests run in. */
    private static final Path CUDA_SOURCES = Path.of("src/main/cuda");

    @Test
    void ptxFilesHaveVersionTargetAndAddressSizeHeaders() {
        for (String arch : KernelCatalog.ARCHS) {
            for (String module : KernelCatalog.MODULES) {
                String ptx = KernelCatalog.ptx(module, arch);
                String where = arch + "/" + module + ".ptx";
                assertTrue(Pattern.compile("(?m)^\\.version \\d+\\.\\d+$").matcher(ptx).find(), where + " has no .version");
                Matcher target = Pattern.compile("(?m)^\\.target (sm_\\d+)$").matcher(ptx);
                assertTrue(target.find(), where + " has no .target");
                assertEquals(arch, target.group(1), where + " targets the wrong architecture");
                assertTrue(ptx.contains("\n.address_size 64"), where + " is not 64-bit");
            }
        }
    }

    @Test
    void everyPtxEntryIsCataloguedWithItsParameterTypes() {
        for (String arch : KernelCatalog.ARCHS) {
            Map<String, List<String>> entries = new LinkedHashMap<>();
            for (String module : KernelCatalog.MODULES) {
                Matcher m = ENTRY.matcher(KernelCatalog.ptx(module, arch));
                while (m.find()) {
                    List<String> types = new ArrayList<>();
                    Matcher p = PARAM.matcher(m.group(2));
                    while (p.find()) {
                        types.add(p.group(1));
                    }
                    entries.put(m.group(1), types);
                    assertEquals(module, KernelCatalog.kernel(m.group(1)).module(), m.group(1) + " in " + arch + "/" + module);
                }
            }
            assertEquals(KernelCatalog.kernels().stream().map(KernelSpec::name).sorted().toList(),
                    entries.keySet().stream().sorted().toList(), arch + ": catalogue and PTX entries differ");
            for (KernelSpec k : KernelCatalog.kernels()) {
                assertEquals(k.params().stream().map(p -> p.type().ptxType()).toList(), entries.get(k.name()),
                        arch + ": parameter types of " + k.name());
            }
        }
    }

    /**
     * The PTX keeps only parameter types, so two {@code int}s swapped in the catalogue (tokens and heads,
     * say) would pass the check above and read garbage on a device; the fake twins unpack by catalogue
     * name and cannot see it either. The CUDA sources keep the names: compare name and type, in order.
     */
    @Test
    void everyKernelSignatureInTheCudaSourcesMatchesTheCatalogueByNameAndType() throws IOException {
        Pattern kernel = Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");
        Map<String, List<String>> sources = new LinkedHashMap<>();
        for (String module : KernelCatalog.MODULES) {
            String text = Files.readString(CUDA_SOURCES.resolve(module + ".cu"));
            Matcher m = kernel.matcher(text);
            while (m.find()) {
                List<String> params = new ArrayList<>();
                for (String p : m.group(2).split(",")) {
                    params.add(param(p.replaceAll("\\s+", " ").strip()));
                }
                assertEquals(module, KernelCatalog.kernel(m.group(1)).module(), m.group(1) + " is in " + module + ".cu");
                sources.put(m.group(1), params);
            }
        }
        assertEquals(KernelCatalog.kernels().stream().map(KernelSpec::name).sorted().toList(),
                sources.keySet().stream().sorted().toList(), "catalogue and CUDA sources differ");
        for (KernelSpec k : KernelCatalog.kernels()) {
            assertEquals(k.params().stream().map(p -> p.type() + " " + p.name()).toList(), sources.get(k.name()),
                    "parameters of " + k.name() + " in " + k.module() + ".cu");
        }
    }

    /** "const float* __restrict__ x" -> "POINTER x"; "long long pos0" -> "I64 pos0". */
    private static String param(String c) {
        String name = c.substring(c.lastIndexOf(' ') + 1);
        String type = c.substring(0, c.lastIndexOf(' '));
        KernelParam.Type t;
        if (type.contains("*")) {
            t = KernelParam.Type.POINTER;
        } else if (type.equals("long long")) {
            t = KernelParam.Type.I64;
        } else if (type.equals("int")) {
            t = KernelParam.Type.I32;
        } else if (type.equals("float")) {
            t = KernelParam.Type.F32;
        } else {
            throw new AssertionError("kernel parameter type not in the catalogue's vocabulary: '" + c + "'");
        }
        return t + " " + name;
    }

    @Test
    void swaAttendStaticSharedMemoryIsWhatDeviceOpsSetsAsideFromTheWindow() {
        // Static (not extern) shared arrays of the module: the block reductions' per-warp partials.
        Pattern shared = Pattern.compile("(?m)^\\s*\\.shared\\s+\\.align\\s+\\d+\\s+\\.b8\\s+\\w+\\[(\\d+)\\];");
        for (String arch : KernelCatalog.ARCHS) {
            Matcher m = shared.matcher(KernelCatalog.ptx("swa", arch));
            int bytes = 0;
            while (m.find()) {
                bytes += Integer.parseInt(m.group(1));
            }
            assertEquals(DeviceOps.SWA_STATIC_SHARED, bytes, arch + "/swa.ptx static shared bytes");
        }
    }

    @Test
    void archFollowsComputeCapabilityWithFallback() {
        assertEquals("sm_80", KernelCatalog.arch(8, 0));
        assertEquals("sm_80", KernelCatalog.arch(8, 9));
        assertEquals("sm_90", KernelCatalog.arch(9, 0));
        assertEquals("sm_90", KernelCatalog.arch(12, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelCatalog.arch(7, 5));
        assertTrue(e.getMessage().contains("7.5"), e.getMessage());
    }

    @Test
    void argumentsAreCheckedAgainstTheSignature() {
        KernelSpec silu = KernelCatalog.kernel("silu_mul");
        assertEquals(4, silu.args(1L, 2L, 3L, 4).count());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> silu.args(1L, 2L, 3L));
        assertTrue(count.getMessage().contains("silu_mul takes 4 arguments"), count.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> silu.args(1L, 2L, 3L, 4L));
        assertTrue(type.getMessage().contains("parameter n"), type.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelCatalog.kernel("softmax"));
    }
}
