package io.spikert.bench.gpu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.model.ModelVariant;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.synthetic.SyntheticCheckpoint.RawValues;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.GpuBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * W8ASpike resident on the device (spiking INT8 products, the same model code over GpuBackend): its agreement with
 * the CPU backend's W8ASpike path on a synthetic checkpoint of {@code dims} (F32 as published, BF16
 * values and exactly-coded down_proj, so the loader keeps down_proj as INT8 codes and lm_head as BF16),
 * then its decode ms/token, launches and weight bytes per token against the HBM bound of the same run.
 * The checkpoint is written to disk and loaded like a real one, so the shape must stay small (the
 * default is Dims.DEMO: the 7B vocabulary, a few narrow layers).
 */
final class ResidentW8ASpikeBench {
    private ResidentW8ASpikeBench() {}

    static void run(GpuBackend gpu, SyntheticCheckpoint.Dims dims, double hbmBytesPerSecond, int decodeSteps,
                    GpuBenchReport report) {
        Path dir;
        try {
            dir = Files.createTempDirectory("spikert-w8aspike-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            report.line("[w8aspike] writing a synthetic W8ASpike checkpoint %s ...", dims);
            SyntheticCheckpoint.write(dir, dims, ModelVariant.W8ASPIKE, RawValues.BF16_AND_DOWN_CODES, DType.F32, 13L,
                    b -> { }, false);
            int[] prompt = ResidentModelBench.ids(21, dims.vocab(), 1);
            int[] next = ResidentModelBench.ids(6, dims.vocab(), 2);
            List<float[]> cpu;
            try (var backend = new CpuBackend(Runtime.getRuntime().availableProcessors());
                 var model = SpikingBrainModel.load(dir, backend)) {
                cpu = ResidentModelBench.logits(model, prompt, next);
            }
            try (var model = SpikingBrainModel.load(dir, gpu)) {
                List<float[]> dev = agreementRun(gpu, model, prompt, next);
                double worst = 0;
                for (int i = 0; i < cpu.size(); i++) {
                    worst = Math.max(worst, ResidentModelBench.relativeError(dev.get(i), cpu.get(i)));
                }
                boolean pass = worst <= ResidentModelBench.TOLERANCE;
                ObjectNode a = report.section("w8aspikeAgreement");
                a.put("shape", dims.toString());
                a.put("rawWeightForms", model.rawWeightForms().toString());
                a.put("rows", cpu.size());
                a.put("maxRelativeLogitError", worst);
                a.put("tolerance", ResidentModelBench.TOLERANCE);
                a.put("pass", pass);
                report.line("[w8aspike] device vs CPU backend (%d prefill + %d decode rows of logits, raw forms %s): max relative"
                                + " logit error %.3g (%s, tolerance %.0e)", prompt.length, next.length, model.rawWeightForms(),
                        worst, pass ? "PASS" : "FAIL", ResidentModelBench.TOLERANCE);
                decode(gpu, model, dims, hbmBytesPerSecond, decodeSteps, report);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            ResidentModelBench.deleteTree(dir);
        }
    }

    /** Every launch synchronised and checked: a kernel that faults is named, not seen at the next copy. */
    private static List<float[]> agreementRun(GpuBackend gpu, SpikingBrainModel model, int[] prompt, int[] next) {
        var ops = gpu.ops();
        boolean checked = ops.checksEachLaunch();
        ops.checkEachLaunch(true);
        try {
            return ResidentModelBench.logits(model, prompt, next);
        } finally {
            ops.checkEachLaunch(checked);
        }
    }

    private static void decode(GpuBackend gpu, SpikingBrainModel model, SyntheticCheckpoint.Dims dims,
                               double hbmBytesPerSecond, int decodeSteps, GpuBenchReport report) {
        var ops = gpu.ops();
        try (var s = model.newSession(gpu.defaultChunk())) {
            float[] logits = s.prefill(ResidentModelBench.ids(16, dims.vocab(), 4));
            logits = s.decode(ResidentModelBench.argmax(logits));
            long bytesBefore = ops.weightBytesRead();
            long launchesBefore = ops.launches();
            logits = s.decode(ResidentModelBench.argmax(logits));
            long bytesPerToken = ops.weightBytesRead() - bytesBefore;
            long launchesPerToken = ops.launches() - launchesBefore;
            double[] ms = new double[decodeSteps];
            for (int i = 0; i < decodeSteps; i++) {
                long d0 = System.nanoTime();
                logits = s.decode(ResidentModelBench.argmax(logits));
                ms[i] = (System.nanoTime() - d0) / 1e6;
            }
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            double median = sorted[sorted.length / 2];
            double boundMs = bytesPerToken / hbmBytesPerSecond * 1e3;
            ObjectNode j = report.section("w8aspikeDecode");
            j.put("shape", dims.toString());
            j.put("decodeSteps", decodeSteps);
            j.put("decodeMedianMsPerToken", median);
            j.put("decodeBestMsPerToken", sorted[0]);
            j.put("decodeTokensPerSecond", 1e3 / median);
            j.put("weightBytesPerDecodeToken", bytesPerToken);
            j.put("launchesPerDecodeToken", launchesPerToken);
            j.put("hbmBoundMsPerToken", boundMs);
            j.put("fractionOfHbmBound", boundMs / median);
            j.put("logitsFinite", Float.isFinite(logits[0]));
            report.line("[w8aspike] decode: %.3f ms/token median (best %.3f) = %.1f tokens/s; %d launches and %.1f MiB of"
                            + " weights per token; HBM bound %.3f ms; %.1f%% of the bound",
                    median, sorted[0], 1e3 / median, launchesPerToken, bytesPerToken / 1048576.0, boundMs,
                    100 * boundMs / median);
        }
    }
}
