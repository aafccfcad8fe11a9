package io.spikert.bench.harness;

import io.spikert.model.ModelVariant;
import io.spikert.model.WeightQuantization;
import io.spikert.model.synthetic.SyntheticCheckpoint.RawValues;
import io.spikert.runtime.Precision;

import java.nio.file.Path;

/**
 * Command-line options of {@link EndToEndBench}. Exactly one model source: {@code model} when
 * {@code --model} was given, else the synthetic {@code shape} written under {@code cacheRoot}.
 */
public record BenchOptions(Path model, Shape shape, ModelVariant variant, RawValues raw, Path cacheRoot, int promptTokens, int decodeTokens,
                           int warmupTokens, int threads, BandwidthProbe.Source bandwidthSource, Path json, Precision precision,
                           int chunk, int prefillRepeats, WeightQuantization quantize) {

    public static final String USAGE = """
            scripts/bench [--model DIR | --shape 7b|demo|small [--variant base|w8aspike [--raw fp32|bf16|codes]]] [--cache DIR] [--prompt-tokens N] [--decode-tokens N]
                          [--warmup-tokens N] [--threads N] [--precision fp32|bf16] [--quantize none|q8|q4] [--chunk N] [--prefill-repeats N]
                          [--bandwidth native|weights] [--json FILE]
              End-to-end benchmark: load time, resident memory, prefill and decode tokens/s, and the DRAM read
              bandwidth measured in the same run, with decode as a percentage of the bandwidth-bound rate.
              --model DIR        an existing model folder (config.json + weights); otherwise a synthetic checkpoint
              --shape S          synthetic weights in the published layout (default 7b: the real 7B shape, BF16,
                                 about 15.2 GB, written once to the cache folder)
              --variant V        synthetic layout: base (BF16, default) or w8aspike (F32 weights with group-128
                                 scales, as published; run as INT8 spiking projections; 7b: about 30.8 GB)
              --raw R            what a synthetic w8aspike checkpoint's fp32 tensors hold, which decides the exact
                                 narrower forms the loader can use: fp32 (arbitrary values, default), bf16 (BF16
                                 values, as a model quantised from the BF16 base), codes (bf16, and every down_proj
                                 weight is code x scale, as a fake-quantised export)
              --cache DIR        where synthetic checkpoints live (default $SPIKERT_CACHE, else ~/.cache/spikert)
              --prompt-tokens N  prefill length, synthetic token ids (default 512)
              --decode-tokens N  timed decode steps (default 16), after --warmup-tokens untimed ones (default 2)
              --threads N        compute threads (default: all cores)
              --precision P      activation precision of prefill products: fp32 (default, exact) or bf16
              --quantize Q       projection weights of a dense model quantised at load: none (default), q8 or q4
              --chunk N          prefill chunk in tokens (default: the backend's, 0)
              --prefill-repeats N  prefills of the prompt, each in a new session (default 1): the first includes
                                 JIT warmup and the first touch of the weight pages; the report gives each and
                                 the median of those after the first
              --bandwidth SRC    what the bandwidth probe sums: native (a fresh 2 GiB native buffer, default)
                                 or weights (the memory-mapped weight tensors themselves)
              --json FILE        also write the results as JSON""";

    public static BenchOptions parse(String[] argv) {
        Path model = null;
        Shape shape = Shape.SEVEN_B;
        ModelVariant variant = ModelVariant.BASE;
        RawValues raw = RawValues.FP32;
        boolean rawGiven = false;
        Path cache = null;
        int prompt = 512;
        int decode = 16;
        int warmup = 2;
        int threads = Runtime.getRuntime().availableProcessors();
        BandwidthProbe.Source source = BandwidthProbe.Source.NATIVE;
        Path json = null;
        Precision precision = Precision.FP32;
        int chunk = 0;
        int prefillRepeats = 1;
        WeightQuantization quantize = WeightQuantization.NONE;
        boolean shapeGiven = false;
        for (int i = 0; i < argv.length; i++) {
            String opt = argv[i];
            if (opt.equals("--help") || opt.equals("-h")) {
                throw new UsageException(null);
            }
            if (!opt.startsWith("--")) {
                throw new UsageException("unexpected argument \"" + opt + "\"");
            }
            if (i + 1 >= argv.length) {
                throw new UsageException(opt + " needs a value");
            }
            String v = argv[++i];
            switch (opt) {
                case "--model" -> model = Path.of(v);
                case "--shape" -> {
                    shapeGiven = true;
                    try {
                        shape = Shape.parse(v);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "--variant" -> variant = switch (v) {
                    case "base" -> ModelVariant.BASE;
                    case "w8aspike" -> ModelVariant.W8ASPIKE;
                    default -> throw new UsageException("--variant must be base or w8aspike, got \"" + v + "\"");
                };
                case "--raw" -> {
                    rawGiven = true;
                    raw = switch (v) {
                        case "fp32" -> RawValues.FP32;
                        case "bf16" -> RawValues.BF16;
                        case "codes" -> RawValues.BF16_AND_DOWN_CODES;
                        default -> throw new UsageException("--raw must be fp32, bf16 or codes, got \"" + v + "\"");
                    };
                }
                case "--cache" -> cache = Path.of(v);
                case "--prompt-tokens" -> prompt = positive(opt, v, 1);
                case "--decode-tokens" -> decode = positive(opt, v, 1);
                case "--warmup-tokens" -> warmup = positive(opt, v, 0);
                case "--threads" -> threads = positive(opt, v, 1);
                case "--bandwidth" -> source = switch (v) {
                    case "native" -> BandwidthProbe.Source.NATIVE;
                    case "weights" -> BandwidthProbe.Source.WEIGHTS;
                    default -> throw new UsageException("--bandwidth must be native or weights, got \"" + v + "\"");
                };
                case "--json" -> json = Path.of(v);
                case "--chunk" -> chunk = positive(opt, v, 0);
                case "--prefill-repeats" -> prefillRepeats = positive(opt, v, 1);
                case "--quantize" -> {
                    try {
                        quantize = WeightQuantization.parse(v, "--quantize");
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "--precision" -> {
                    try {
                        precision = Precision.parse(v, "--precision");
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                default -> throw new UsageException("unknown option " + opt);
            }
        }
        if (model != null && shapeGiven) {
            throw new UsageException("give either --model or --shape, not both");
        }
        if (rawGiven && (model != null || variant != ModelVariant.W8ASPIKE)) {
            throw new UsageException("--raw applies to a synthetic --variant w8aspike checkpoint only");
        }
        return new BenchOptions(model, model == null ? shape : null, variant, raw, cache != null ? cache : defaultCache(),
                prompt, decode, warmup, threads, source, json, precision, chunk, prefillRepeats, quantize);
    }

    private static int positive(String opt, String v, int min) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(opt + " must be an integer >= " + min + ", got \"" + v + "\"");
    }

    /** Where synthetic checkpoints live when no --cache is given: $SPIKERT_CACHE, else ~/.cache/spikert. */
    public static Path defaultCache() {
        String env = System.getenv("SPIKERT_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "spikert");
    }

    /** A command-line mistake; a null message means the user asked for help. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
