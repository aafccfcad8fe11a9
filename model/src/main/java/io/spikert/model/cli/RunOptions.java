package io.spikert.model.cli;

import picocli.CommandLine.Option;

/** How a loaded model runs: threads, backend, spike threshold, kernel report. */
final class RunOptions {
    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: every processor).")
    Integer threads;

    @Option(names = "--k", paramLabel = "K",
            description = "Spike threshold factor of a W8ASpike model: vth = mean|x|/K (default 3).")
    Float k;

    @Option(names = "--device", paramLabel = "cpu|cuda|maca", defaultValue = "cpu",
            description = "Where the model runs (default cpu); cuda and maca use GPU 0.")
    String device;

    @Option(names = "--precision", paramLabel = "fp32|bf16", defaultValue = "fp32",
            description = "Activation precision of prefill products (default fp32, the exact path); bf16 rounds them to"
                    + " BF16 as the official BF16 runtimes do, for the CPU's BF16 dot products (AMX) through oneDNN. CPU only.")
    String precision;

    @Option(names = "--kv-cache", paramLabel = "f32|bf16", defaultValue = "f32",
            description = "How attention caches hold keys and values (Qwen2's layers, SpikingBrain's SWA layers): f32"
                    + " (default, exact) or bf16 (each rounded to BF16 as it enters: half the memory and half the bytes a"
                    + " long context's decode reads), on the CPU and the GPU; dense models only (W8ASpike caches int8 values exactly).")
    String kvCache;

    @Option(names = "--quantize", paramLabel = "none|q8|q4", defaultValue = "none",
            description = "Quantises a dense model's projection weights at load, weight-only, in groups of 32 with one scale"
                    + " each (after llama.cpp's Q8_0 / Q4_0): q8 holds 56% of BF16's bytes, q4 31%; the"
                    + " activations stay float. Default none (the weights as stored). CPU only; not for W8ASpike.")
    String quantize;

    @Option(names = "--verbose", description = "Says which CPU path runs the products (oneDNN or the Vector API, and why),"
            + " and which spike kernel each W8ASpike projection used.")
    boolean verbose;

    @Option(names = "--check-weights",
            description = "Scans every floating-point weight for NaN and infinities before running, naming the first"
                    + " bad tensor and position (one more read of every weight byte); without it only the tensors the load reads"
                    + " anyway are checked, and non-finite logits stop the command.")
    boolean checkWeights;

    @Option(names = "--context", paramLabel = "N",
            description = "Qwen2 models only: most tokens a sequence may hold (default: max_position_embeddings of"
                    + " config.json); its key/value cache grows with the tokens up to this. Beyond the trained length RoPE"
                    + " extrapolates. SpikingBrain has no limit (constant state).")
    Integer context;
}
