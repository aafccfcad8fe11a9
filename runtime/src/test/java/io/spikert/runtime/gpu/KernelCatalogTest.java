package io.spikert.runtime.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
