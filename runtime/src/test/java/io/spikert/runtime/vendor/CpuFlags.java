package io.spikert.runtime.vendor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CPU's instruction-set flags as Linux reports them ({@code /proc/cpuinfo}), read independently of oneDNN so a
 * test can tell "this CPU cannot" from "the runtime wrongly refused".
 */
public final class CpuFlags {
    private CpuFlags() {}

    public static Set<String> flags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("flags"))
                    .findFirst()
                    .map(l -> Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+")).collect(Collectors.toSet()))
                    .orElse(Set.of());
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** A BF16 dot product or conversion in hardware (AVX-512 BF16, AMX BF16, AVX-NE-CONVERT). */
    public static boolean bf16() {
        Set<String> f = flags();
        return f.contains("avx512_bf16") || f.contains("amx_bf16") || f.contains("avx_ne_convert");
    }

    /** AVX2 the widest vector extension: no AVX-512 and no BF16 instructions (AMD Zen 2 and 3, Intel before Ice Lake). */
    public static boolean avx2Only() {
        Set<String> f = flags();
        return f.contains("avx2") && !f.contains("avx512f") && !bf16();
    }

    /** An INT8 dot product in hardware (AVX-512 VNNI, AVX-VNNI, AMX INT8). */
    public static boolean int8DotProduct() {
        Set<String> f = flags();
        return f.contains("avx512_vnni") || f.contains("avx_vnni") || f.contains("amx_int8");
    }
}
