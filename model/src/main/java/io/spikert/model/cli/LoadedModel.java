package io.spikert.model.cli;

import io.spikert.model.LoadOptions;
import io.spikert.model.ModelConfig;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.WeightQuantization;
import io.spikert.model.checkpoint.w8.PackedW8Reader;
import io.spikert.model.generate.StopTokens;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.ffm.Vendor;
import io.spikert.runtime.Precision;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.backend.Backend;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.KvPrecision;
import io.spikert.runtime.backend.GpuBackend;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** A model folder opened for a command: weights on the chosen backend, plus the tokenizer when the folder has one. */
final class LoadedModel implements AutoCloseable {
    final Path dir;
    final SpikingBrainModel model;
    final Tokenizer tokenizer; // null when the folder has no tokenizer files
    final Backend backend;
    final long loadNanos;
    /** Set with --verbose: the spike kernels each projection used. */
    final KernelReport kernelReport;

    private LoadedModel(Path dir, SpikingBrainModel model, Tokenizer tokenizer, Backend backend, long loadNanos,
                        KernelReport kernelReport) {
        this.dir = dir;
        this.model = model;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.loadNanos = loadNanos;
        this.kernelReport = kernelReport;
    }

    /** Loads the folder of {@code inputs} (already checked, with its tokenizer) on the backend the options choose. */
    static LoadedModel open(ModelInputs inputs, RunOptions run, PrintStream err) throws IOException {
        Path dir = inputs.dir;
        int threads = CliCommand.threads(run.threads);
        if (run.context != null) {
            try {
                ModelConfig.load(dir).withContextLimit(run.context);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--context: " + e.getMessage());
            }
        }
        long t0 = System.nanoTime();
        String device = run.device;
        Tuning tuning = CliCommand.tuning();
        Precision precision = precision(run.precision, device);
        KvPrecision kvCache = kvCache(run.kvCache);
        WeightQuantization quantize = quantize(run.quantize, device);
        Backend backend = openBackend(device, threads, tuning);
        if (backend instanceof CpuBackend cpu) {
            cpu.precision(precision);
        }
        if (run.verbose) {
            err.println("backend: " + backend.name());
        }
        try {
            float k = CliCommand.finiteNonNegative("--k", run.k, LoadOptions.DEFAULT_SPIKE_K);
            if (!(k > 0)) {
                throw new UsageException("--k must be a positive number, got " + k);
            }
            KernelReport report = run.verbose ? new KernelReport() : null;
            var progress = new LoadProgress(err);
            var options = new LoadOptions(k).withProgress(progress).withCheckWeights(run.checkWeights)
                    .withInt8BlockRows(tuning.maxBlockRows()).withContextLimit(run.context == null ? 0 : run.context)
                    .withKvCache(kvCache).withQuantize(quantize);
            if (report != null) {
                options = options.withSpikeObserver(report);
            }
            SpikingBrainModel model;
            try {
                model = SpikingBrainModel.load(dir, backend, options);
            } finally {
                progress.finish();
            }
            if (progress.shown()) {
                boolean packed = PackedW8Reader.isPacked(model.checkpoint(), "model.layers.0.attn.q_proj");
                err.printf("loaded in %.1f s%s%n", (System.nanoTime() - t0) / 1e9,
                        packed ? "" : " (spikert convert --to packed stores the INT8 codes and skips quantising at load)");
            }
            if (quantize != WeightQuantization.NONE) {
                err.println(model.quantization().describe());
            }
            if (report != null && !model.rawWeightForms().isEmpty()) {
                err.println("raw fp32 matrices kept as: " + model.rawWeightForms());
            }
            if (run.verbose) {
                err.println(KvCacheReport.line(model.config(), kvCache));
            }
            return new LoadedModel(dir, model, inputs.tokenizer, backend, System.nanoTime() - t0, report);
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** {@code --precision}: fp32 anywhere; bf16 on the CPU only (a usage error elsewhere, before any load). */
    static Precision precision(String value, String device) {
        Precision p = parsed(() -> Precision.parse(value, "--precision"));
        requireCpu(p == Precision.BF16, "--precision bf16", device, "FP32 activations");
        return p;
    }

    /** {@code --quantize}: none anywhere; q8 or q4 on the CPU only (a usage error elsewhere, before any load). */
    static WeightQuantization quantize(String value, String device) {
        WeightQuantization q = parsed(() -> WeightQuantization.parse(value, "--quantize"));
        requireCpu(q != WeightQuantization.NONE, "--quantize " + q.label(), device, "the weights as stored");
        return q;
    }

    /** An option's value as its parser gives it, a refusal of the parser as a usage error. */
    private static <T> T parsed(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** A usage error when {@code cpuOnly} and the device is not the CPU; the GPU backend multiplies {@code gpuMultiplies}. */
    private static void requireCpu(boolean cpuOnly, String option, String device, String gpuMultiplies) {
        if (cpuOnly && !"cpu".equals(device)) {
            throw new UsageException(option + " runs on the CPU only (--device cpu); the GPU backend multiplies " + gpuMultiplies);
        }
    }

    /** {@code --kv-cache}: f32 or bf16, on every device (a usage error otherwise, before any load). */
    static KvPrecision kvCache(String value) {
        return parsed(() -> KvPrecision.parse(value, "--kv-cache"));
    }

    /**
     * {@code --device cpu|cuda|maca}: the CPU kernels, or a GPU through the vendor's libraries, on which
     * the whole model runs with its weights and state in device memory.
     */
    static Backend openBackend(String device, int threads, Tuning tuning) {
        return switch (device) {
            case "cpu" -> new CpuBackend(threads, tuning);
            case "cuda" -> GpuBackend.open(Vendor.CUDA, tuning);
            case "maca" -> GpuBackend.open(Vendor.MACA, tuning);
            default -> throw new UsageException("--device must be cpu, cuda or maca, got '" + device + "'");
        };
    }

    Set<Integer> stopTokens() {
        return StopTokens.of(model.config(), tokenizer);
    }

    /** Ids that can be sampled: all of them, or those the tokenizer can decode when text is wanted. */
    int sampleVocab() {
        int vocab = model.config().vocabSize();
        return tokenizer == null ? vocab : Math.min(vocab, tokenizer.vocabSize());
    }

    @Override
    public void close() {
        model.close();
        backend.close();
    }
}
