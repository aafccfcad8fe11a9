package io.spikert.model.gpu;

import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.model.LoadOptions;
import io.spikert.model.ModelVariant;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.convert.ConvertMode;
import io.spikert.model.convert.Converter;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.synthetic.SyntheticCheckpoint.RawValues;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.backend.SpikeKernel;
import io.spikert.runtime.gpu.DeviceOpException;
import io.spikert.runtime.gpu.FakeKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static io.spikert.model.gpu.BaseModelOnFakeGpuTest.relativeError;
import static org.junit.jupiter.api.Assertions.*;

/**
 * W8ASpike resident on the fake GPU (each launch run by its kernel's scalar twin, geometry checked),
 * under the CUDA and the MACA names, on synthetic checkpoints whose QuantLinears have codes outside int8
 * and whose raw matrices take each exact form the loader picks (F32, BF16, INT8 codes, packed): the logits
 * of every prompt token of a chunked prefill and of decode steps must match the CPU backend's W8ASpike
 * path to relative 1e-3, and a device that leaves out one MODEL.md section 4 step must not.
 */
class W8ASpikeOnFakeGpuTest {
    /** hidden and intermediate multiples of 128; layers 1 and 3 SWA with a window of 5. */
    static final SyntheticCheckpoint.Dims DIMS = new SyntheticCheckpoint.Dims(300, 128, 4, 4, 2, 256, 5);
    /** Crosses chunks of 4 (a partial last one) and wraps the window-5 rings. */
    static final int PROMPT = 14;
    static final int DECODE_STEPS = 5;
    static final int CHUNK = 4;
    static final double TOLERANCE = 1e-3;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void installFakeGpu() {
        FakeGpu.shared().install();
    }

    @BeforeEach
    void reset() {
        FakeGpu.shared().reset();
        FakeKernels.register(FakeGpu.shared());
    }

    /** The checkpoint forms and the raw-weight forms the loader must report for each. */
    enum Form {
        FP32(Map.of("down_proj as stored (F32)", 4, "lm_head as stored (F32)", 1)),
        BF16(Map.of("down_proj as BF16 (exact)", 4, "lm_head as BF16 (exact)", 1)),
        DOWN_CODES(Map.of("down_proj as exact INT8 codes", 4, "lm_head as BF16 (exact)", 1)),
        PACKED(Map.of("down_proj as exact INT8 codes (packed)", 4, "lm_head as stored (BF16)", 1));

        final Map<String, Integer> rawForms;

        Form(Map<String, Integer> rawForms) {
            this.rawForms = rawForms;
        }
    }

    static synchronized Path checkpoint(Form form) throws IOException {
        Path dir = tmp.resolve(form.name());
        if (Files.exists(dir)) {
            return dir;
        }
        RawValues raw = switch (form) {
            case FP32 -> RawValues.FP32;
            case BF16 -> RawValues.BF16;
            case DOWN_CODES, PACKED -> RawValues.BF16_AND_DOWN_CODES;
        };
        if (form == Form.PACKED) {
            Path source = checkpoint(Form.DOWN_CODES);
            var quiet = new PrintStream(OutputStream.nullOutputStream());
            new Converter(quiet, quiet).convert(new Converter.Options(source, dir, ConvertMode.PACKED, false));
        } else {
            SyntheticCheckpoint.write(dir, DIMS, ModelVariant.W8ASPIKE, raw, DType.F32, 11, x -> { }, false);
        }
        return dir;
    }

    static Stream<Arguments> vendorsAndForms() {
        List<Arguments> all = new ArrayList<>();
        for (Vendor v : Vendor.values()) {
            for (Form f : Form.values()) {
                all.add(Arguments.of(v, f));
            }
        }
        return all.stream();
    }

    /** Logits of every prompt token (through a sink) and of each decode step, one row each. */
    static List<float[]> run(SpikingBrainModel model) {
        int[] prompt = BaseModelOnFakeGpuTest.ids(PROMPT, 1);
        int[] next = BaseModelOnFakeGpuTest.ids(DECODE_STEPS, 2);
        List<float[]> rows = new ArrayList<>();
        try (Session s = model.newSession(CHUNK)) {
            s.prefill(mod(prompt), (index, logits, off) -> rows.add(java.util.Arrays.copyOfRange(logits, off, off + s.vocabSize())));
            for (int id : mod(next)) {
                rows.add(s.decode(id).clone());
            }
        }
        return rows;
    }

    private static int[] mod(int[] ids) {
        int[] out = ids.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] %= DIMS.vocab();
        }
        return out;
    }

    static List<float[]> cpu(Path dir) throws IOException {
        try (var cpu = new CpuBackend(2); var model = SpikingBrainModel.load(dir, cpu)) {
            assertFalse(model.backend().deviceMemory());
            assertTrue(model.holdsHostWeights(), "a CPU model runs on its host copies");
            return run(model);
        }
    }

    static double worst(List<float[]> actual, List<float[]> expected) {
        assertEquals(expected.size(), actual.size());
        double worst = 0;
        for (int i = 0; i < expected.size(); i++) {
            worst = Math.max(worst, relativeError(actual.get(i), expected.get(i)));
        }
        return worst;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("vendorsAndForms")
    void prefillAndDecodeMatchTheCpuW8ASpikePath(Vendor vendor, Form form) throws IOException {
        Path dir = checkpoint(form);
        List<float[]> expected = cpu(dir);
        List<float[]> actual;
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(dir, gpu)) {
            assertEquals(ModelVariant.W8ASPIKE, model.variant());
            assertEquals(form.rawForms, model.rawWeightForms());
            assertTrue(model.backend().deviceMemory(), "W8ASpike runs device-resident on a GPU backend");
            assertFalse(model.holdsHostWeights(), "a device-resident model frees its host copies after the upload");
            actual = run(model);
        }
        double worst = worst(actual, expected);
        System.out.printf(Locale.ROOT, "W8ASpike device-resident %s %s: max relative logit error %.3g over %d rows%n",
                vendor, form, worst, expected.size());
        assertTrue(worst <= TOLERANCE, vendor + " " + form + ": relative logit error " + worst);
        assertEquals(0, FakeGpu.shared().allocatedBytes(), "device memory left after close");
        assertTrue(FakeGpu.shared().failures().isEmpty(), FakeGpu.shared().failures().toString());
    }

    /**
     * The agreement above can fail: with one section 4 step left out of the device (its kernel replaced by
     * a twin that does nothing), the logits are further than the tolerance from the CPU's.
     */
    @ParameterizedTest
    @EnumSource(Vendor.class)
    void leavingOutASection4StepFailsTheTolerance(Vendor vendor) throws IOException {
        Path dir = checkpoint(Form.FP32);
        List<float[]> expected = cpu(dir);
        for (String step : new String[] {"spike_quantize", "int8_quantize"}) {
            FakeGpu.shared().reset();
            FakeKernels.register(FakeGpu.shared());
            FakeGpu.shared().registerKernel(step, launch -> { });
            double worst;
            try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(dir, gpu)) {
                worst = worst(run(model), expected);
            }
            System.out.printf(Locale.ROOT, "W8ASpike device-resident %s without %s: max relative logit error %.3g%n",
                    vendor, step, worst);
            assertTrue(worst > TOLERANCE, "without " + step + " the error " + worst + " should exceed " + TOLERANCE);
        }
        // A threshold factor 1% off changes every spike count's scale: also outside the tolerance.
        double worst;
        try (var gpu = GpuBackend.open(vendor);
             var model = SpikingBrainModel.load(dir, gpu, new LoadOptions(LoadOptions.DEFAULT_SPIKE_K * 1.01f))) {
            worst = worst(run(model), expected);
        }
        System.out.printf(Locale.ROOT, "W8ASpike device-resident %s with k 1%% off: max relative logit error %.3g%n", vendor, worst);
        assertTrue(worst > TOLERANCE, "k 1% off: " + worst);
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aDecodeStepRunsOnTheDeviceCopyingOnlyTheIdInAndTheLogitsOut(Vendor vendor) throws IOException {
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(checkpoint(Form.DOWN_CODES), gpu)) {
            Session s = model.newSession(CHUNK);
            s.prefill(mod(BaseModelOnFakeGpuTest.ids(6, 3)));
            int before = FakeGpu.shared().calls().size();
            s.decode(5);
            List<String> step = FakeGpu.shared().calls().subList(before, FakeGpu.shared().calls().size());
            List<String> copies = step.stream().filter(c -> c.toLowerCase(Locale.ROOT).contains("memcpy")).toList();
            assertEquals(2, copies.size(), "one id in and one row of logits out: " + copies);
            assertTrue(step.stream().noneMatch(c -> c.toLowerCase(Locale.ROOT).contains("malloc") || c.contains("MemAlloc")),
                    "no allocation per step: " + step.stream().distinct().toList());
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void closingSessionsAndTheModelFreesEveryByte(Vendor vendor) throws IOException {
        try (var gpu = GpuBackend.open(vendor)) {
            var model = SpikingBrainModel.load(checkpoint(Form.PACKED), gpu);
            long weights = FakeGpu.shared().allocatedBytes();
            Session a = model.newSession(CHUNK);
            Session b = model.newSession(CHUNK);
            long two = FakeGpu.shared().allocatedBytes();
            a.prefill(mod(BaseModelOnFakeGpuTest.ids(9, 4)));
            a.close();
            assertEquals(weights + (two - weights) / 2, FakeGpu.shared().allocatedBytes(), "a closed session frees its memory");
            b.decode(7); // left open: the model frees it
            model.close();
            assertEquals(0, FakeGpu.shared().allocatedBytes(), "the model freed its weights and the open session");
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aFailingSpikeProductNamesItsKernelAndTensor(Vendor vendor) throws IOException {
        String launch = vendor == Vendor.CUDA ? "cuLaunchKernel" : "mcModuleLaunchKernel";
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(checkpoint(Form.FP32), gpu)) {
            Session s = model.newSession(CHUNK);
            // A decode step: gather, RoPE angles, attn_norm, spike_encode, then layer 0's q_proj product.
            FakeGpu.shared().failLater(launch, 4, 719);
            DeviceOpException e = assertThrows(DeviceOpException.class, () -> s.decode(3));
            assertTrue(e.getMessage().startsWith("kernel int8_matvec (model.layers.0.attn.q_proj) failed on " + vendor),
                    e.getMessage());
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aRefusedAllocationDuringUploadNamesTheQuantLinearAndFreesWhatWasUploaded(Vendor vendor) throws IOException {
        String alloc = vendor == Vendor.CUDA ? "cuMemAlloc_v2" : "mcMalloc";
        try (var gpu = GpuBackend.open(vendor)) {
            // embeddings, then layer 0 (GLA) binds its gate first: gk_proj's bias, codes, scales, outlier index (the fifth)
            FakeGpu.shared().failLater(alloc, 4, 2);
            DeviceOpException e = assertThrows(DeviceOpException.class, () -> SpikingBrainModel.load(checkpoint(Form.FP32), gpu));
            assertTrue(e.getMessage().contains("outlier index of model.layers.0.attn.gk_proj"), e.getMessage());
            assertEquals(0, FakeGpu.shared().allocatedBytes(), "the earlier uploads were freed");
        }
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }

    /** The observer wraps the operators: on the device it sees the same projections, tokens and thresholds as on the CPU. */
    @ParameterizedTest
    @EnumSource(Vendor.class)
    void aSpikeObserverSeesTheDevicesCountsAsTheCpus(Vendor vendor) throws IOException {
        int[] prompt = {1, 2, 3};
        List<String> onCpu = new ArrayList<>();
        List<Float> cpuVth = new ArrayList<>();
        var cpuOptions = LoadOptions.defaults().withSpikeObserver((name, counts, off, n, vth, kernel) -> {
            onCpu.add(name + " " + n);
            cpuVth.add(vth);
        });
        try (var cpu = new CpuBackend(1); var model = SpikingBrainModel.load(checkpoint(Form.FP32), cpu, cpuOptions)) {
            model.newSession(CHUNK).prefill(prompt);
        }
        List<String> onGpu = new ArrayList<>();
        List<Float> gpuVth = new ArrayList<>();
        List<SpikeKernel> kernels = new ArrayList<>();
        var options = LoadOptions.defaults().withSpikeObserver((name, counts, off, n, vth, kernel) -> {
            onGpu.add(name + " " + n);
            gpuVth.add(vth);
            kernels.add(kernel);
        });
        try (var gpu = GpuBackend.open(vendor); var model = SpikingBrainModel.load(checkpoint(Form.FP32), gpu, options)) {
            assertFalse(model.holdsHostWeights(), "observed or not, the model runs on the device's copies");
            try (var s = model.newSession(CHUNK)) {
                s.prefill(prompt);
            }
        }
        assertFalse(onCpu.isEmpty());
        assertEquals(onCpu, onGpu, "the same projections and tokens in the same order");
        for (int i = 0; i < cpuVth.size(); i++) {
            assertEquals(cpuVth.get(i), gpuVth.get(i), 1e-3 * Math.abs(cpuVth.get(i)), "threshold of observation " + i);
        }
        assertTrue(kernels.stream().allMatch(k -> k == SpikeKernel.DENSE_INT8), "the device's products read every code");
        assertEquals(0, FakeGpu.shared().allocatedBytes());
    }
}
