package io.spikert.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikert.ffm.Vendor;
import io.spikert.ffm.fake.FakeGpu;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.backend.GpuBackend;
import io.spikert.runtime.gpu.FakeKernels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's device-resident sections on the fake GPU with a small shape: the same code path as
 * the 7B run on a real device (synthetic weights tiled on the device, upload, prefill, timed decode,
 * the agreement check against the CPU backend), so it is known to work before device time is spent.
 * No timing is checked.
 */
class ResidentModelBenchFakeGpuTest {

    @Test
    void residentSectionsRunOnTheFakeGpu(@TempDir Path out) throws IOException {
        FakeGpu gpu = FakeGpu.shared().install();
        gpu.reset();
        FakeKernels.register(gpu);
        var text = new ByteArrayOutputStream();
        var report = new GpuBenchReport(new PrintStream(text, true, StandardCharsets.UTF_8));
        report.saveAsItGoes(out);
        try (GpuBackend backend = GpuBackend.open(Vendor.CUDA)) {
            double err = ResidentModelBench.agreement(backend, report);
            assertTrue(err <= ResidentModelBench.TOLERANCE, "device vs CPU: " + err);
            // Saved as it goes: a run killed here would still leave the agreement on disk.
            assertTrue(Files.readString(out.resolve("gpu-bench.txt")).contains("max relative logit error"));
            assertTrue(new ObjectMapper().readTree(Files.readString(out.resolve("gpu-bench.json"))).has("residentAgreement"));
            assertFalse(backend.ops().checksEachLaunch(), "the agreement run's per-launch checks are switched off after it");
            var small = new SyntheticCheckpoint.Dims(1000, 64, 4, 4, 2, 128, 16);
            ResidentModelBench.speed(backend, small, "test", 1e12, 40, 3, report);
            assertFalse(backend.ops().checksEachLaunch(), "the timed runs do not synchronise per launch");
        }
        assertEquals(0, gpu.allocatedBytes(), "device memory left behind");
        report.write(out);
        JsonNode json = new ObjectMapper().readTree(Files.readString(out.resolve("gpu-bench.json")));
        JsonNode r = json.get("residentModel");
        assertTrue(r.get("prefillTokensPerSecond").asDouble() > 0, r.toString());
        assertTrue(r.get("decodeTokensPerSecond").asDouble() > 0, r.toString());
        assertTrue(r.get("logitsFinite").asBoolean(), r.toString());
        // Every matrix once per decode token, in BF16: the layers' products plus lm_head.
        long perLayer = 2L * (64 * 64 * 2 + 32 * 64 * 2 + 3L * 64 * 128);
        long gla = 2L * (16 * 64 + 32 * 16);
        assertEquals(4 * perLayer + 2 * gla + 2L * 1000 * 64, r.get("weightBytesPerDecodeToken").asLong(), r.toString());
        assertTrue(json.get("residentAgreement").get("pass").asBoolean());
        assertTrue(text.toString(StandardCharsets.UTF_8).contains("[resident] decode:"), text.toString(StandardCharsets.UTF_8));
    }

    @Test
    void w8aspikeSectionsRunOnTheFakeGpu(@TempDir Path out) throws IOException {
        FakeGpu gpu = FakeGpu.shared().install();
        gpu.reset();
        FakeKernels.register(gpu);
        var text = new ByteArrayOutputStream();
        var report = new GpuBenchReport(new PrintStream(text, true, StandardCharsets.UTF_8));
        try (GpuBackend backend = GpuBackend.open(Vendor.CUDA)) {
            ResidentW8ASpikeBench.run(backend, new SyntheticCheckpoint.Dims(300, 128, 4, 4, 2, 256, 5), 1e12, 3, report);
            assertFalse(backend.ops().checksEachLaunch(), "the timed decode does not synchronise per launch");
        }
        assertEquals(0, gpu.allocatedBytes(), "device memory left behind");
        report.write(out);
        JsonNode json = new ObjectMapper().readTree(Files.readString(out.resolve("gpu-bench.json")));
        JsonNode a = json.get("w8aspikeAgreement");
        assertTrue(a.get("pass").asBoolean(), a.toString());
        assertTrue(a.get("rawWeightForms").asText().contains("down_proj as exact INT8 codes"), a.toString());
        JsonNode d = json.get("w8aspikeDecode");
        assertTrue(d.get("decodeTokensPerSecond").asDouble() > 0 && d.get("logitsFinite").asBoolean(), d.toString());
        assertTrue(d.get("weightBytesPerDecodeToken").asLong() > 0, d.toString());
        assertTrue(text.toString(StandardCharsets.UTF_8).contains("[w8aspike] decode:"), text.toString(StandardCharsets.UTF_8));
    }
}
