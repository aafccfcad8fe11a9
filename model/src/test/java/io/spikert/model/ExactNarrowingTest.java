package io.spikert.model;

import io.spikert.model.convert.ConvertMode;
import io.spikert.model.convert.Converter;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.synthetic.SyntheticCheckpoint.RawValues;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * W8ASpike's raw fp32 matrices kept in an exact narrower form: the logits equal those of the F32 form
 * (which W8ASpikeGoldenTest checks against the independent reference), and a token reads fewer bytes.
 */
class ExactNarrowingTest {
    private static final SyntheticCheckpoint.Dims DIMS = new SyntheticCheckpoint.Dims(600, 256, 2, 2, 1, 384, 8);
    private static final int[] IDS = {1, 7, 300, 42, 5, 77, 0, 599, 9};

    @TempDir
    Path tmp;

    private Path write(RawValues raw) throws Exception {
        Path dir = tmp.resolve(raw.name());
        SyntheticCheckpoint.write(dir, DIMS, ModelVariant.W8ASPIKE, raw, DType.F32, 5, x -> { }, false);
        return dir;
    }

    @Test
    void exactFormsGiveTheSameLogitsAndReadFewerBytes() throws Exception {
        Path dir = write(RawValues.BF16_AND_DOWN_CODES);
        try (var backend = new CpuBackend(2);
             var narrow = SpikingBrainModel.load(dir, backend);
             var wide = SpikingBrainModel.load(dir, backend, LoadOptions.defaults().withExactNarrowing(false))) {
            assertEquals(Map.of("down_proj as exact INT8 codes", 2, "lm_head as BF16 (exact)", 1), narrow.rawWeightForms());
            assertEquals(Map.of("down_proj as stored (F32)", 2, "lm_head as stored (F32)", 1), wide.rawWeightForms());
            var a = narrow.newSession(4);
            var b = wide.newSession(4);
            assertClose(b.prefill(IDS), a.prefill(IDS));
            for (int id : new int[] {3, 500, 17}) {
                long before = backend.weightBytesRead();
                float[] x = a.decode(id);
                long narrowBytes = backend.weightBytesRead() - before;
                before = backend.weightBytesRead();
                float[] y = b.decode(id);
                long wideBytes = backend.weightBytesRead() - before;
                assertClose(y, x);
                // down_proj 4 -> ~1 byte per weight, lm_head 4 -> 2: well under 70% here
                assertTrue(narrowBytes < 0.7 * wideBytes, narrowBytes + " vs " + wideBytes);
            }
        }
    }

    @Test
    void bf16ValuesAloneNarrowToBf16AndArbitraryFp32StaysAsStored() throws Exception {
        try (var backend = new CpuBackend(1);
             var bf16 = SpikingBrainModel.load(write(RawValues.BF16), backend);
             var fp32 = SpikingBrainModel.load(write(RawValues.FP32), backend)) {
            assertEquals(Map.of("down_proj as BF16 (exact)", 2, "lm_head as BF16 (exact)", 1), bf16.rawWeightForms());
            assertEquals(Map.of("down_proj as stored (F32)", 2, "lm_head as stored (F32)", 1), fp32.rawWeightForms());
        }
        try (var backend = new CpuBackend(1);
             var twin = SpikingBrainModel.load(write(RawValues.BF16_AND_DOWN_CODES), backend,
                     LoadOptions.defaults().withIntegerSpikes(false))) {
            // the float fake-quant twin keeps down_proj as plain floats (code x scale are not BF16 values), not codes
            assertEquals(Map.of("down_proj as stored (F32)", 2, "lm_head as BF16 (exact)", 1), twin.rawWeightForms());
        }
    }

    @Test
    void packedFormStoresTheNarrowFormsAndRunsTheSame() throws Exception {
        Path dir = write(RawValues.BF16_AND_DOWN_CODES);
        Path packed = tmp.resolve("packed");
        var quiet = new PrintStream(OutputStream.nullOutputStream());
        new Converter(quiet, quiet).convert(new Converter.Options(dir, packed, ConvertMode.PACKED, false));
        long fp32Bytes = Files.size(dir.resolve("model.safetensors"));
        long packedBytes = Files.size(packed.resolve(Converter.OUTPUT_FILE));
        // every matrix narrowed: INT8 codes (~1 byte) or BF16 (embeddings, lm_head), against 4 bytes
        assertTrue(packedBytes < fp32Bytes / 2.5, packedBytes + " vs " + fp32Bytes);
        try (var backend = new CpuBackend(2);
             var a = SpikingBrainModel.load(dir, backend);
             var b = SpikingBrainModel.load(packed, backend)) {
            assertEquals(Map.of("down_proj as exact INT8 codes (packed)", 2, "lm_head as stored (BF16)", 1), b.rawWeightForms());
            assertClose(a.newSession(4).prefill(IDS), b.newSession(4).prefill(IDS));
        }
    }

    private static void assertClose(float[] expected, float[] actual) {
        float max = 0;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5f * max, "logit " + i);
        }
    }
}
