package io.spikert.bench.gpu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.model.ModelConfig;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.model.util.FileTrees;
import io.spikert.runtime.DType;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.GpuBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The model itself on the GPU backend, not a bound: first its agreement with
 * the CPU backend on a small synthetic checkpoint, then prefill and decode tokens/s of the chosen
 * shape (the 7B by default) with BF16 weights generated on the device, set against the HBM bound from
 * the same run. Times are wall clock as a caller sees them: each decode step ends with its logits on
 * the host.
 */
final class ResidentModelBench {
    private ResidentModelBench() {}

    /** Agreement check: crosses prefill chunks and wraps the SWA rings (window 5, chunks of 8). */
    static final SyntheticCheckpoint.Dims CHECK_DIMS = new SyntheticCheckpoint.Dims(300, 64, 4, 4, 2, 96, 5);
    static final double TOLERANCE = 1e-3;

    /**
     * Runs {@link #CHECK_DIMS} on the CPU backend and on {@code gpu}: logits of a 21-token prefill (every
     * token) and 6 decode steps; returns the worst relative error (max |gpu - cpu| / max |cpu| per row).
     */
    static double agreement(GpuBackend gpu, GpuBenchReport report) {
        Path dir;
        try {
            dir = Files.createTempDirectory("spikert-resident-check");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            SyntheticCheckpoint.write(dir, CHECK_DIMS, DType.BF16, 7L, b -> { }, false);
            int[] prompt = ids(21, CHECK_DIMS.vocab(), 1);
            int[] next = ids(6, CHECK_DIMS.vocab(), 2);
            List<float[]> cpu;
            try (var backend = new CpuBackend(1); var model = SpikingBrainModel.load(dir, backend)) {
                cpu = logits(model, prompt, next);
            }
            List<float[]> dev;
            // Small: synchronising after every launch costs nothing here, and a kernel that faults on the
            // device is then named in the error instead of surfacing at the next logits copy.
            var ops = gpu.ops();
            boolean checked = ops.checksEachLaunch();
            ops.checkEachLaunch(true);
            try (var model = SpikingBrainModel.load(dir, gpu)) {
                dev = logits(model, prompt, next);
            } finally {
                ops.checkEachLaunch(checked);
            }
            double worst = 0;
            for (int i = 0; i < cpu.size(); i++) {
                worst = Math.max(worst, relativeError(dev.get(i), cpu.get(i)));
            }
            ObjectNode j = report.section("residentAgreement");
            j.put("shape", CHECK_DIMS.toString());
            j.put("rows", cpu.size());
            j.put("maxRelativeLogitError", worst);
            j.put("tolerance", TOLERANCE);
            j.put("pass", worst <= TOLERANCE);
            report.line("[resident] device vs CPU backend on a small BF16 checkpoint (%d prefill + %d decode rows of logits): "
                    + "max relative logit error %.3g (%s, tolerance %.0e)", prompt.length, next.length, worst,
                    worst <= TOLERANCE ? "PASS" : "FAIL", TOLERANCE);
            return worst;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * Prefill of {@code prefillTokens} tokens and {@code decodeSteps} timed decode steps of {@code dims}
     * with synthetic BF16 weights made on the device; {@code hbmBytesPerSecond} sets the decode bound.
     */
    static void speed(GpuBackend gpu, SyntheticCheckpoint.Dims dims, String shapeName, double hbmBytesPerSecond,
                      int prefillTokens, int decodeSteps, GpuBenchReport report) {
        ModelConfig config;
        try {
            config = ModelConfig.parse(SyntheticCheckpoint.config(dims), "synthetic " + shapeName);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        report.line("[resident] uploading the %s shape: BF16 weights generated on the device ...", shapeName);
        long t0 = System.nanoTime();
        SpikingBrainModel model;
        try (var seeds = new DeviceMemory(gpu.driver())) {
            model = SpikingBrainModel.of(config, gpu, memory -> new SyntheticDeviceWeights(seeds, memory));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (model) {
            gpu.driver().synchronize();
            report.line("[resident] %.2f GiB of weights in %.1f s", model.weightMemoryBytes() / DeviceMemory.GIB,
                    (System.nanoTime() - t0) / 1e9);
            // The first launches load and JIT; not timed. Every launch is checked, so a kernel that faults
            // only at this shape (sizes past the check model's) is named before the timed runs.
            var checkedOps = gpu.ops();
            boolean checked = checkedOps.checksEachLaunch();
            checkedOps.checkEachLaunch(true);
            try (Session warm = model.newSession()) {
                warm.prefill(ids(8, config.vocabSize(), 3));
                warm.decode(1);
            } finally {
                checkedOps.checkEachLaunch(checked);
            }
            report.line("[resident] warm-up (8-token prefill and a decode step, each launch synchronised and checked): ok");
            try (Session s = model.newSession()) {
                int[] prompt = ids(prefillTokens, config.vocabSize(), 4);
                long p0 = System.nanoTime();
                float[] logits = s.prefill(prompt);
                double prefillSeconds = (System.nanoTime() - p0) / 1e9;
                boolean finite = Float.isFinite(logits[0]);

                var ops = gpu.ops();
                logits = s.decode(argmax(logits));
                long bytesBefore = ops.weightBytesRead();
                long launchesBefore = ops.launches();
                logits = s.decode(argmax(logits));
                long bytesPerToken = ops.weightBytesRead() - bytesBefore;
                long launchesPerToken = ops.launches() - launchesBefore;
                double[] ms = new double[decodeSteps];
                for (int i = 0; i < decodeSteps; i++) {
                    long d0 = System.nanoTime();
                    logits = s.decode(argmax(logits));
                    ms[i] = (System.nanoTime() - d0) / 1e6;
                }
                double[] sorted = ms.clone();
                Arrays.sort(sorted);
                double median = sorted[sorted.length / 2];
                double boundMs = bytesPerToken / hbmBytesPerSecond * 1e3;

                ObjectNode j = report.section("residentModel");
                j.put("shape", shapeName + " " + dims);
                j.put("weightBytes", model.weightMemoryBytes());
                j.put("sessionDeviceBytes", s.memoryBytes());
                j.put("prefillTokens", prefillTokens);
                j.put("prefillSeconds", prefillSeconds);
                j.put("prefillTokensPerSecond", prefillTokens / prefillSeconds);
                j.put("decodeSteps", decodeSteps);
                j.put("decodeMedianMsPerToken", median);
                j.put("decodeBestMsPerToken", sorted[0]);
                j.put("decodeTokensPerSecond", 1e3 / median);
                j.put("weightBytesPerDecodeToken", bytesPerToken);
                j.put("launchesPerDecodeToken", launchesPerToken);
                j.put("hbmBoundMsPerToken", boundMs);
                j.put("hbmBoundTokensPerSecond", 1e3 / boundMs);
                j.put("fractionOfHbmBound", boundMs / median);
                j.put("logitsFinite", finite && Float.isFinite(logits[0]));
                report.line("[resident] prefill %d tokens: %.2f s = %.1f tokens/s (chunks of %d)", prefillTokens, prefillSeconds,
                        prefillTokens / prefillSeconds, gpu.defaultChunk());
                report.line("[resident] decode: %.3f ms/token median (best %.3f) = %.1f tokens/s; %d launches and %.2f GiB of "
                                + "weights per token; HBM bound %.3f ms = %.1f tokens/s; %.1f%% of the bound",
                        median, sorted[0], 1e3 / median, launchesPerToken, bytesPerToken / DeviceMemory.GIB, boundMs,
                        1e3 / boundMs, 100 * boundMs / median);
            }
        }
    }

    static List<float[]> logits(SpikingBrainModel model, int[] prompt, int[] next) {
        List<float[]> rows = new ArrayList<>();
        try (Session s = model.newSession(8)) {
            s.prefill(prompt, (i, l, off) -> rows.add(Arrays.copyOfRange(l, off, off + s.vocabSize())));
            for (int id : next) {
                rows.add(s.decode(id).clone());
            }
        }
        return rows;
    }

    static double relativeError(float[] a, float[] b) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < b.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            maxRef = Math.max(maxRef, Math.abs(b[i]));
        }
        return maxDiff / Math.max(maxRef, 1e-30);
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    static int[] ids(int n, int vocab, long seed) {
        var r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    static void deleteTree(Path dir) {
        try {
            FileTrees.deleteTree(dir);
        } catch (IOException ignored) {
            // a leftover temp folder is harmless
        }
    }
}
