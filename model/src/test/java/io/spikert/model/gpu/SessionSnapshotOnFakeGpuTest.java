package io.spikert.model.gpu;

import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.model.LoadOptions;
import io.spikert.model.ModelVariant;
import io.spikert.model.Session;
import io.spikert.model.SessionSnapshot;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.synthetic.SyntheticCheckpoint.RawValues;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.backend.KvPrecision;
import io.spikert.runtime.gpu.FakeKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static io.spikert.model.gpu.BaseModelOnFakeGpuTest.relativeError;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Snapshots of device-resident sessions on the fake GPU (driver as FFM upcall stubs on host memory, each kernel
 * run by its scalar twin): a session restored from one runs as the uninterrupted device session does, a snapshot
 * crosses backends both ways (the image layout is the backends' common one), and taking or restoring one is device
 * copies only: no kernel, no allocation.
 */
class SessionSnapshotOnFakeGpuTest {
    /** Crosses chunks of 8 and wraps the window-6 rings (W + chunk = 14 slots on the device) before the snapshot. */
    static final int PREFIX = 21;
    static final int CHUNK = 8;
    /** The device's and the CPU's logits differ by float regrouping up to this ({@link BaseModelOnFakeGpuTest}). */
    static final double ACROSS_BACKENDS = 1e-3;
    /** One backend against itself: the same kernels on the same state. */
    static final double SAME_BACKEND = 1e-5;

    @BeforeAll
    static void installFakeGpu() {
        FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        FakeGpu.shared().reset();
        FakeKernels.register(FakeGpu.shared());
    }

    @TempDir
    static Path tmp;

    /** A tiny checkpoint, or W8ASpike's synthetic one of {@link W8ASpikeOnFakeGpuTest#DIMS} (BF16 raw matrices). */
    private static synchronized Path checkpoint(String name) throws IOException {
        if (!name.equals("w8aspike")) {
            return BaseModelOnFakeGpuTest.TINY.resolve(name);
        }
        Path dir = tmp.resolve(name);
        if (!Files.exists(dir)) {
            SyntheticCheckpoint.write(dir, W8ASpikeOnFakeGpuTest.DIMS, ModelVariant.W8ASPIKE, RawValues.BF16, DType.F32, 11,
                    x -> { }, false);
        }
        return dir;
    }

    private static int[] ids(SpikingBrainModel model, int n, long seed) {
        int[] ids = BaseModelOnFakeGpuTest.ids(n, seed);
        for (int i = 0; i < n; i++) {
            ids[i] %= model.config().vocabSize();
        }
        return ids;
    }

    /** The logits of every token of {@code b} (prefilled through a sink), then of three decode steps. */
    private static List<float[]> feed(SpikingBrainModel model, Session s, long seed) {
        List<float[]> rows = new ArrayList<>();
        s.prefill(ids(model, 11, seed), (index, logits, off) -> rows.add(Arrays.copyOfRange(logits, off, off + s.vocabSize())));
        for (int id : ids(model, 3, seed + 1)) {
            rows.add(s.decode(id).clone());
        }
        return rows;
    }

    private static double compare(List<float[]> expected, List<float[]> actual, double bound, String what) {
        assertEquals(expected.size(), actual.size(), what);
        double worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            double err = relativeError(actual.get(i), expected.get(i));
            worst = Math.max(worst, err);
            assertTrue(err <= bound, what + ": row " + i + " relative logit error " + err);
        }
        return worst;
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "bf16-safetensors", "w8aspike"})
    void aRestoredDeviceSessionRunsAsTheUninterruptedOne(String name) throws IOException {
        try (var gpu = GpuBackend.open(Vendor.CUDA); var model = SpikingBrainModel.load(checkpoint(name), gpu)) {
            Session reference = model.newSession(CHUNK);
            reference.prefill(ids(model, PREFIX, 1));
            List<float[]> expected = feed(model, reference, 2);

            Session original = model.newSession(CHUNK);
            original.prefill(ids(model, PREFIX, 1));
            SessionSnapshot snap = original.snapshot();
            original.prefill(ids(model, 9, 3)); // goes on: the snapshot must not follow
            try (Session resumed = model.newSession(snap, CHUNK)) {
                double worst = compare(expected, feed(model, resumed, 2), SAME_BACKEND, name + " resumed on the device");
                System.out.printf(Locale.ROOT, "fake GPU %s: resumed session, max relative logit error %.3g%n", name, worst);
            }
            // restored over a session that ran other tokens, at another chunk size
            Session used = model.newSession(4);
            used.prefill(ids(model, 30, 4));
            used.restore(snap);
            compare(expected, feed(model, used, 2), ACROSS_BACKENDS, name + " restored over a used chunk-4 session");
            // the check can fail: without the prefix's state the logits are others
            List<float[]> fresh = feed(model, model.newSession(CHUNK), 2);
            assertTrue(relativeError(fresh.getLast(), expected.getLast()) > 1e-2, "the prefix's state changes the logits");
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after close");
        assertTrue(FakeGpu.shared().failures().isEmpty(), FakeGpu.shared().failures().toString());
    }

    /** The image layout is every backend's: a CPU snapshot resumes on the device and a device snapshot on the CPU. */
    @ParameterizedTest
    @ValueSource(strings = {"f32", "w8aspike"})
    void aSnapshotCrossesBackendsBothWays(String name) throws IOException {
        Path dir = checkpoint(name);
        List<float[]> expected;
        SessionSnapshot fromCpu;
        SessionSnapshot fromGpu;
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(dir, cpu)) {
            Session reference = model.newSession(CHUNK);
            reference.prefill(ids(model, PREFIX, 5));
            fromCpu = reference.snapshot();
            expected = feed(model, reference, 6);
        }
        try (var gpu = GpuBackend.open(Vendor.MACA); var model = SpikingBrainModel.load(dir, gpu)) {
            assertEquals(fromCpu.model(), model.identity(), "one folder on two backends is one model");
            compare(expected, feed(model, model.newSession(fromCpu, CHUNK), 6), ACROSS_BACKENDS, name + " CPU snapshot on the device");
            Session s = model.newSession(CHUNK);
            s.prefill(ids(model, PREFIX, 5));
            fromGpu = s.snapshot();
        }
        assertEquals(fromCpu.bytes(), fromGpu.bytes(), "one image size on both backends");
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(dir, cpu)) {
            compare(expected, feed(model, model.newSession(fromGpu, CHUNK), 6), ACROSS_BACKENDS, name + " device snapshot on the CPU");
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    /**
     * A BF16 key/value cache's rings through a snapshot: the device saves its BF16 slots widened into the common
     * image and loads an image rounded back, so a device session resumes as the uninterrupted one, and a device
     * snapshot resumes on the CPU's BF16 cache and a CPU one on the device's.
     */
    @Test
    void aBf16CacheSnapshotResumesOnTheDeviceAndCrossesBackends() throws IOException {
        Path dir = checkpoint("f32");
        LoadOptions bf16 = LoadOptions.defaults().withKvCache(KvPrecision.BF16);
        List<float[]> cpuExpected;
        SessionSnapshot fromCpu;
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(dir, cpu, bf16)) {
            Session reference = model.newSession(CHUNK);
            reference.prefill(ids(model, PREFIX, 8));
            fromCpu = reference.snapshot();
            cpuExpected = feed(model, reference, 9);
        }
        SessionSnapshot fromGpu;
        try (var gpu = GpuBackend.open(Vendor.CUDA); var model = SpikingBrainModel.load(dir, gpu, bf16)) {
            Session reference = model.newSession(CHUNK);
            reference.prefill(ids(model, PREFIX, 8));
            fromGpu = reference.snapshot();
            List<float[]> expected = feed(model, reference, 9);
            compare(cpuExpected, expected, ACROSS_BACKENDS, "BF16 cache, device against CPU");
            try (Session resumed = model.newSession(fromGpu, CHUNK)) {
                compare(expected, feed(model, resumed, 9), SAME_BACKEND, "BF16 cache, resumed on the device");
            }
            compare(cpuExpected, feed(model, model.newSession(fromCpu, CHUNK), 9), ACROSS_BACKENDS,
                    "BF16 cache, CPU snapshot on the device");
        }
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(dir, cpu, bf16)) {
            compare(cpuExpected, feed(model, model.newSession(fromGpu, CHUNK), 9), ACROSS_BACKENDS,
                    "BF16 cache, device snapshot on the CPU");
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
        assertTrue(FakeGpu.shared().failures().isEmpty(), FakeGpu.shared().failures().toString());
    }

    /** Taking and restoring copy the state only: memory copies and nothing else, no more than two per ring per head. */
    @ParameterizedTest
    @EnumSource(Vendor.class)
    void takingAndRestoringAreDeviceCopiesOnly(Vendor vendor) throws IOException {
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(checkpoint("bf16-safetensors"), gpu)) {
            var c = model.config();
            Session s = model.newSession(CHUNK);
            s.prefill(ids(model, PREFIX, 7));
            Session target = model.newSession(CHUNK);
            long allocated = FakeGpu.shared().allocatedBytes();
            // GLA: one copy per layer; SWA: keys and values, one or two runs per kv head
            int most = (c.numLayers() - c.swaLayerCount()) + c.swaLayerCount() * 2 * 2 * c.numKvHeads();

            int before = FakeGpu.shared().calls().size();
            SessionSnapshot snap = s.snapshot();
            List<String> taking = List.copyOf(FakeGpu.shared().calls().subList(before, FakeGpu.shared().calls().size()));
            before = FakeGpu.shared().calls().size();
            target.restore(snap);
            List<String> restoring = List.copyOf(FakeGpu.shared().calls().subList(before, FakeGpu.shared().calls().size()));

            for (List<String> calls : List.of(taking, restoring)) {
                assertTrue(calls.stream().allMatch(call -> call.toLowerCase(Locale.ROOT).contains("memcpy")),
                        "memory copies only: " + calls.stream().distinct().toList());
                assertTrue(calls.size() >= c.numLayers() && calls.size() <= most, calls.size() + " copies, at most " + most);
            }
            assertEquals(allocated, FakeGpu.shared().allocatedBytes(), "nothing allocated on the device");
            assertEquals(PREFIX, target.position());
            assertTrue(snap.bytes() < s.stateBytes(), "the last W positions, not the device's W + chunk slots: " + snap.bytes()
                    + " bytes of " + s.stateBytes());
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    @Test
    void aClosedDeviceSessionRefusesBoth() throws IOException {
        try (var gpu = GpuBackend.open(Vendor.CUDA); var model = SpikingBrainModel.load(checkpoint("f32"), gpu)) {
            Session s = model.newSession(CHUNK);
            SessionSnapshot snap = s.snapshot();
            s.close();
            assertThrows(IllegalStateException.class, s::snapshot);
            assertThrows(IllegalStateException.class, () -> s.restore(snap));
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }
}
