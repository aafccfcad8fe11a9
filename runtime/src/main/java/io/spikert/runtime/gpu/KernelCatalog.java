package io.spikert.runtime.gpu;

import static io.spikert.runtime.gpu.KernelParam.f32;
import static io.spikert.runtime.gpu.KernelParam.i32;
import static io.spikert.runtime.gpu.KernelParam.i64;
import static io.spikert.runtime.gpu.KernelParam.pointer;

import io.spikert.ffm.ComputeCapability;
import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuKernel;
import io.spikert.ffm.GpuModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SpikeRT's own CUDA kernels: their sources live in {@code runtime/src/main/cuda}, compiled by
 * {@code build-ptx.sh} to PTX for sm_80 and sm_90 and committed under
 * {@code io/spikert/runtime/cuda/<arch>/<module>.ptx}, so running them needs no CUDA compiler.
 * The argument lists here must match the sources; a test checks them against the PTX's {@code .entry}
 * signatures.
 */
public final class KernelCatalog {
    private KernelCatalog() {}

    /**
     * The warp width the committed PTX was compiled for ({@code SPIKERT_WARP_SIZE}): launch geometry that
     * counts warps per block must use this, not the device's, since the kernels' shuffles assume it.
     */
    public static final int PTX_WARP_SIZE = 32;

    /** The PTX targets, newest first. */
    public static final List<String> ARCHS = List.of("sm_90", "sm_80");

    /** The source modules, one {@code .cu} and one PTX file per architecture each. */
    public static final List<String> MODULES = List.of("elementwise", "gla", "swa", "spike", "matmul");

    private static final String RESOURCE_ROOT = "/io/spikert/runtime/cuda/";

    private static final List<KernelSpec> KERNELS = List.of(
            new KernelSpec("rmsnorm", "elementwise", List.of(
                    pointer("x"), pointer("w"), pointer("out"), i32("n"), f32("eps"), i32("rows"))),
            new KernelSpec("rope_rotate_half", "elementwise", List.of(
                    pointer("x"), pointer("cosv"), pointer("sinv"), i32("tokens"), i32("numHeads"), i32("headDim"), i32("ldx"))),
            new KernelSpec("silu_mul", "elementwise", List.of(
                    pointer("gate"), pointer("up"), pointer("out"), i32("n"))),
            new KernelSpec("embedding_gather_bf16", "elementwise", List.of(
                    pointer("table"), pointer("ids"), pointer("out"), i32("count"), i32("dim"))),
            new KernelSpec("embedding_gather_f32", "elementwise", List.of(
                    pointer("table"), pointer("ids"), pointer("out"), i32("count"), i32("dim"))),
            new KernelSpec("bias_act", "elementwise", List.of(
                    pointer("y"), pointer("bias"), i32("n"), i32("rows"), i32("act"), f32("divisor"))),
            new KernelSpec("add_inplace", "elementwise", List.of(
                    pointer("x"), pointer("y"), i32("n"))),
            new KernelSpec("rope_angles", "elementwise", List.of(
                    pointer("cosv"), pointer("sinv"), i64("pos0"), i32("tokens"), i32("headDim"), f32("theta"))),
            new KernelSpec("gla_step", "gla", List.of(
                    pointer("state"), pointer("q"), pointer("k"), pointer("v"), pointer("g"), pointer("out"),
                    i32("d"), i32("group"), f32("scale"), i32("kvHeads"))),
            new KernelSpec("gla_chunk", "gla", List.of(
                    pointer("state"), pointer("q"), pointer("k"), pointer("v"), pointer("g"), pointer("out"),
                    i32("d"), i32("group"), i32("tokens"), f32("scale"), i32("kvHeads"),
                    i32("ldq"), i32("ldk"), i32("ldv"), i32("ldg"), i32("ldo"))),
            swaAttend("swa_attend"),
            swaAttend("swa_attend_bf16"),
            swaDecodeSplit("swa_decode_split"),
            swaDecodeSplit("swa_decode_split_bf16"),
            new KernelSpec("swa_decode_combine", "swa", List.of(
                    pointer("partOut"), pointer("partMax"), pointer("partSum"), pointer("out"),
                    i32("numHeads"), i32("d"), i32("splits"))),
            kvRingStore("kv_ring_store"),
            kvRingStore("kv_ring_store_bf16"),
            new KernelSpec("spike_encode", "spike", List.of(
                    pointer("x"), pointer("counts"), pointer("vth"), i32("n"), f32("k"), i32("rows"))),
            new KernelSpec("int8_matvec", "spike", List.of(
                    pointer("codes"), pointer("scales"), pointer("outlierStart"), pointer("outlierCol"),
                    pointer("outlierResidual"), pointer("counts"), pointer("vth"), pointer("y"), i32("rows"), i32("cols"))),
            new KernelSpec("spike_matmul", "spike", List.of(
                    pointer("codes"), pointer("scales"), pointer("outlierStart"), pointer("outlierCol"),
                    pointer("outlierResidual"), pointer("counts"), pointer("vth"), pointer("y"), i32("rows"), i32("cols"),
                    i32("tokens"))),
            new KernelSpec("int8_float_matmul", "spike", List.of(
                    pointer("codes"), pointer("scales"), pointer("outlierStart"), pointer("outlierCol"),
                    pointer("outlierResidual"), pointer("x"), pointer("y"), i32("rows"), i32("cols"), i32("tokens"))),
            new KernelSpec("spike_quantize", "spike", List.of(
                    pointer("x"), i32("n"), f32("k"), i32("rows"))),
            new KernelSpec("int8_quantize", "spike", List.of(
                    pointer("x"), i32("n"), i32("rows"))),
            new KernelSpec("matvec_bf16", "matmul", List.of(
                    pointer("w"), pointer("x"), pointer("y"), i32("rows"), i32("cols"))),
            new KernelSpec("matvec_f32", "matmul", List.of(
                    pointer("w"), pointer("x"), pointer("y"), i32("rows"), i32("cols"))),
            new KernelSpec("matmul_bf16", "matmul", List.of(
                    pointer("w"), pointer("x"), i32("ldx"), i32("tokens"), pointer("y"), i32("ldy"), i32("rows"), i32("cols"))),
            new KernelSpec("matmul_f32", "matmul", List.of(
                    pointer("w"), pointer("x"), i32("ldx"), i32("tokens"), pointer("y"), i32("ldy"), i32("rows"), i32("cols"))));

    // The ring kernels come as F32 and _bf16 twins of one signature (swa.cu): the ring's element type is the
    // only difference.
    private static KernelSpec swaAttend(String name) {
        return new KernelSpec(name, "swa", List.of(
                pointer("q"), pointer("keys"), pointer("values"), pointer("out"),
                i32("tokens"), i32("numHeads"), i32("kvHeads"), i32("d"), i32("capacity"), i32("window"),
                i64("lastPos0"), f32("scale"), i32("ldq"), i32("ldo")));
    }

    private static KernelSpec swaDecodeSplit(String name) {
        return new KernelSpec(name, "swa", List.of(
                pointer("q"), pointer("keys"), pointer("values"), pointer("partOut"), pointer("partMax"),
                pointer("partSum"), i32("numHeads"), i32("kvHeads"), i32("d"), i32("capacity"), i32("window"),
                i64("pos"), f32("scale"), i32("splitKeys"), i32("splits")));
    }

    private static KernelSpec kvRingStore(String name) {
        return new KernelSpec(name, "swa", List.of(
                pointer("keys"), pointer("values"), pointer("k"), pointer("v"), i32("tokens"), i32("kvHeads"),
                i32("d"), i32("capacity"), i64("pos0"), i32("ldk"), i32("ldv")));
    }

    public static List<KernelSpec> kernels() {
        return KERNELS;
    }

    public static KernelSpec kernel(String name) {
        for (KernelSpec k : KERNELS) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("no kernel named " + name + " in the catalogue; have "
                + KERNELS.stream().map(KernelSpec::name).toList());
    }

    /**
     * The PTX target for a device of compute capability {@code major.minor}: sm_90 from 9.0 up,
     * sm_80 for 8.x (the driver JIT-compiles PTX forward, so newer devices take the newest target).
     */
    public static String arch(int major, int minor) {
        int cc = major * 10 + minor;
        if (cc >= 90) {
            return "sm_90";
        }
        if (cc >= 80) {
            return "sm_80";
        }
        throw new IllegalArgumentException("compute capability " + major + "." + minor
                + " is older than sm_80, the oldest PTX target SpikeRT ships");
    }

    /** {@link #arch(int, int)} of a driver-reported capability. */
    public static String arch(ComputeCapability cc) {
        return arch(cc.major(), cc.minor());
    }

    /** The committed PTX text of {@code module} for {@code arch}. */
    public static String ptx(String module, String arch) {
        String path = RESOURCE_ROOT + arch + "/" + module + ".ptx";
        try (InputStream in = KernelCatalog.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + path + " is missing (module " + module + ", target "
                        + arch + "); run runtime/src/main/cuda/build-ptx.sh");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading PTX resource " + path, e);
        }
    }

    /** Loads every module's PTX for {@code arch} on the driver's current device and looks up every kernel. */
    public static LoadedKernels load(GpuDriver driver, String arch) {
        if (!ARCHS.contains(arch)) {
            throw new IllegalArgumentException("no PTX for target " + arch + "; have " + ARCHS);
        }
        List<GpuModule> modules = new ArrayList<>();
        Map<String, GpuKernel> kernels = new LinkedHashMap<>();
        try {
            for (String module : MODULES) {
                GpuModule m;
                // The driver copies the image during the load, so the NUL-terminated text can go right after.
                try (Arena arena = Arena.ofConfined()) {
                    m = driver.loadModule(arena.allocateFrom(ptx(module, arch)));
                }
                modules.add(m);
                for (KernelSpec k : KERNELS) {
                    if (k.module().equals(module)) {
                        kernels.put(k.name(), driver.kernel(m, k.name()));
                    }
                }
            }
        } catch (RuntimeException e) {
            for (GpuModule m : modules) {
                try {
                    driver.unload(m);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new LoadedKernels(driver, arch, modules, kernels);
    }
}
