package io.spikert.model.gpu;

import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.gpu.DeviceOpException;
import io.spikert.runtime.gpu.FakeKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The device-resident model on the fake GPU (driver and BLAS as FFM upcall stubs on host memory, each
 * kernel launch run by its scalar twin, launch geometry checked), under the CUDA and the MACA names, on
 * the tiny F32 and BF16 checkpoints: allocation, uploads, argument packing, launches and copies are real
 * downcalls. Logits of a chunked prefill and of decode steps after it must match the CPU backend's.
 */
class BaseModelOnFakeGpuTest {
    static final Path TINY = Path.of("src/test/resources/tiny");
    /** Crosses chunks of 8 and wraps the window-6 rings several times. */
    static final int PROMPT = 21;
    static final int DECODE_STEPS = 6;
    static final int CHUNK = 8;

    @BeforeAll
    static void installFakeGpu() {
        FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        FakeGpu.shared().reset();
        FakeKernels.register(FakeGpu.shared());
    }

    static Stream<Arguments> vendorsAndCheckpoints() {
        List<Arguments> all = new ArrayList<>();
        for (Vendor v : Vendor.values()) {
            for (String dir : new String[] {"f32", "bf16-safetensors"}) {
                all.add(Arguments.of(v, dir));
            }
        }
        return all.stream();
    }

    /** Logits of every prompt token (through a sink) and of each decode step, one row each. */
    private static List<float[]> run(SpikingBrainModel model, int[] prompt, int[] next) {
        List<float[]> rows = new ArrayList<>();
        try (Session s = model.newSession(CHUNK)) {
            s.prefill(prompt, (index, logits, off) -> rows.add(java.util.Arrays.copyOfRange(logits, off, off + s.vocabSize())));
            for (int id : next) {
                rows.add(s.decode(id).clone());
            }
            assertEquals(prompt.length + next.length, s.position());
        }
        return rows;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("vendorsAndCheckpoints")
    void prefillAndDecodeMatchTheCpuBackend(Vendor vendor, String checkpoint) throws IOException {
        Path dir = TINY.resolve(checkpoint);
        int[] prompt = ids(PROMPT, 1);
        int[] next = ids(DECODE_STEPS, 2);
        List<float[]> expected;
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(dir, cpu)) {
            assertFalse(model.backend().deviceMemory());
            expected = run(model, prompt, next);
        }
        List<float[]> actual;
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(dir, gpu)) {
            assertTrue(model.backend().deviceMemory(), "the base model runs device-resident on a GPU backend");
            assertFalse(model.holdsHostWeights(), "a device-resident model frees its host copies after the upload");
            actual = run(model, prompt, next);
        }
        double worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i);
            double err = relativeError(actual.get(i), e);
            worst = Math.max(worst, err);
            assertTrue(err <= 1e-3, vendor + " " + checkpoint + ": row " + i + " relative logit error " + err);
        }
        System.out.printf(Locale.ROOT, "device-resident %s %s: max relative logit error %.3g over %d rows%n",
                vendor, checkpoint, worst, expected.size());
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after close");
        assertTrue(FakeGpu.shared().failures().isEmpty(), FakeGpu.shared().failures().toString());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aDecodeStepCopiesOnlyTheIdInAndTheLogitsOut(Vendor vendor) throws IOException {
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(TINY.resolve("bf16-safetensors"), gpu)) {
            Session s = model.newSession(CHUNK);
            s.prefill(ids(10, 3));
            int before = FakeGpu.shared().calls().size();
            s.decode(5);
            s.decode(6);
            List<String> step = FakeGpu.shared().calls().subList(before, FakeGpu.shared().calls().size());
            List<String> copies = step.stream().filter(c -> c.toLowerCase(Locale.ROOT).contains("memcpy")).toList();
            assertEquals(4, copies.size(), "two steps, each one id in and one row of logits out: " + copies);
            assertTrue(step.stream().noneMatch(c -> c.toLowerCase(Locale.ROOT).contains("malloc") || c.contains("MemAlloc")),
                    "no allocation per step: " + step.stream().distinct().toList());
            long launches = step.stream().filter(c -> c.contains("LaunchKernel")).count();
            assertTrue(launches > 20, "the layers ran as kernels: " + launches + " launches");
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void closingSessionsAndTheModelFreesAllDeviceMemory(Vendor vendor) throws IOException {
        try (var gpu = GpuBackend.open(vendor)) {
            long afterOpen = FakeGpu.shared().allocatedBytes();
            assertEquals(0, afterOpen, "opening the backend allocates nothing");
            var model = SpikingBrainModel.load(TINY.resolve("f32"), gpu);
            long weights = FakeGpu.shared().allocatedBytes();
            assertTrue(weights > 4L * 512 * 64 * 2, "embeddings and lm_head at least: " + weights);
            Session a = model.newSession(CHUNK);
            Session b = model.newSession(CHUNK);
            long two = FakeGpu.shared().allocatedBytes();
            assertTrue(two > weights);
            assertTrue(a.stateBytes() > 0 && a.stateBytes() < two - weights);
            a.prefill(ids(12, 4));
            a.close();
            assertEquals(weights + (two - weights) / 2, FakeGpu.shared().allocatedBytes(), "a closed session frees its memory");
            a.close(); // idempotent
            assertThrows(IllegalStateException.class, () -> a.decode(1));
            b.prefill(ids(3, 5)); // b is left open: the model frees it
            model.close();
            assertEquals(0, FakeGpu.shared().allocatedBytes(), "the model freed its weights and the open session");
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aFailingLaunchNamesTheKernelAndLeavesNothingAllocated(Vendor vendor) throws IOException {
        String launch = vendor == Vendor.CUDA ? "cuLaunchKernel" : "mcModuleLaunchKernel";
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(TINY.resolve("bf16-safetensors"), gpu)) {
            Session s = model.newSession(CHUNK);
            FakeGpu.shared().failNext(launch, 719);
            DeviceOpException e = assertThrows(DeviceOpException.class, () -> s.prefill(ids(4, 6)));
            // The first launch of a chunk is the embedding gather.
            assertTrue(e.getMessage().startsWith("kernel embedding_gather_bf16 failed on " + vendor), e.getMessage());
            assertTrue(e.getMessage().contains(launch), e.getMessage());
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after the failure and close");
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void withEachLaunchCheckedAFaultWhileAKernelRunsNamesThatKernel(Vendor vendor) throws IOException {
        // On a device a kernel's fault shows at the next synchronisation, not at its launch.
        String sync = vendor == Vendor.CUDA ? "cuCtxSynchronize" : "mcDeviceSynchronize";
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(TINY.resolve("bf16-safetensors"), gpu)) {
            gpu.ops().checkEachLaunch(true);
            Session s = model.newSession(CHUNK);
            FakeGpu.shared().failNext(sync, 719);
            DeviceOpException e = assertThrows(DeviceOpException.class, () -> s.prefill(ids(4, 6)));
            assertTrue(e.getMessage().startsWith("kernel embedding_gather_bf16 failed on " + vendor), e.getMessage());
            assertTrue(e.getMessage().contains("launch or execution: " + sync), e.getMessage());
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after the failure and close");
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aFailingBlasProductNamesTheTensor(Vendor vendor) throws IOException {
        String gemm = vendor == Vendor.CUDA ? "cublasGemmEx" : "mcblasGemmEx";
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(TINY.resolve("f32"), gpu)) {
            Session s = model.newSession(CHUNK);
            FakeGpu.shared().failNext(gemm, 14); // CUBLAS_STATUS_INTERNAL_ERROR
            DeviceOpException e = assertThrows(DeviceOpException.class, () -> s.decode(3));
            // The first product of a step: layer 0's q_proj.
            assertTrue(e.getMessage().startsWith("BLAS GemmEx for model.layers.0.attn.q_proj.weight [64, 64] x 1 tokens failed on "
                    + vendor), e.getMessage());
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aRefusedAllocationDuringUploadNamesTheTensorAndFreesWhatWasUploaded(Vendor vendor) throws IOException {
        String alloc = vendor == Vendor.CUDA ? "cuMemAlloc_v2" : "mcMalloc";
        try (var gpu = GpuBackend.open(vendor)) {
            // embeddings, then layer 0 (GLA) binds its gate first: gk_proj.0 weight, gk_proj.1 weight, then gk_proj.1's
            // bias of kv dimension 32 (the fourth allocation)
            FakeGpu.shared().failLater(alloc, 3, 2);
            DeviceOpException e = assertThrows(DeviceOpException.class,
                    () -> SpikingBrainModel.load(TINY.resolve("f32"), gpu));
            assertTrue(e.getMessage().contains("vector model.layers.0.attn.gk_proj.1.bias"), e.getMessage());
            assertTrue(e.getMessage().contains("cannot allocate " + 4 * 32 + " bytes"), e.getMessage());
            assertEquals(0, FakeGpu.shared().allocatedBytes(), "the three earlier uploads were freed");
            // The backend is still usable afterwards.
            try (var model = SpikingBrainModel.load(TINY.resolve("f32"), gpu)) {
                assertTrue(Float.isFinite(model.newSession(CHUNK).prefill(ids(3, 7))[0]));
            }
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    static int[] ids(int n, long seed) {
        var r = new java.util.SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(512);
        }
        return ids;
    }

    /** max |a - b| / max |b| over one row of logits. */
    static double relativeError(float[] a, float[] b) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < b.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            maxRef = Math.max(maxRef, Math.abs(b[i]));
        }
        return maxDiff / Math.max(maxRef, 1e-30);
    }
}
