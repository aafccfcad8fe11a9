package io.spikert.bench.soak;

import io.spikert.model.ModelVariant;

import java.nio.file.Path;

/**
 * Command-line options of {@link Soak}. {@code model} is null for the synthetic tiny checkpoint of
 * {@code variant}, written to a temporary folder for the run.
 */
public record SoakOptions(Path model, ModelVariant variant, int cycles, long maxSeconds, int threads, int computeThreads,
                          int promptTokens, int decodeTokens, int reportEvery, int warmup) {

    public static final String USAGE = """
            scripts/soak [--cycles N] [--model DIR | --variant base|w8aspike] [--threads T] [--compute-threads C]
                         [--prompt-tokens P] [--decode-tokens D] [--report-every K] [--warmup W] [--max-seconds S]
              Opens and closes a model and its sessions N times in one JVM and prints, every K cycles, resident
              memory, native memory tracking's committed totals, open descriptors and memory mappings. Each
              cycle: a CPU backend of C compute threads, the model, T sessions on T threads at once (each its
              own prompt of P token ids, prefill then D decode steps, logits checked against the first cycle's),
              all closed again. Stops after N cycles or S seconds, whichever comes first.
              --cycles N           cycles to run (default 20000)
              --model DIR          a model folder (config.json + weights); otherwise a synthetic tiny checkpoint
              --variant V          the synthetic checkpoint's layout: base (BF16, default) or w8aspike (F32 + scales)
              --threads T          concurrent sessions per cycle, one thread each (default 1)
              --compute-threads C  compute threads of each cycle's backend, shared by its sessions (default 1)
              --prompt-tokens P    prefill length (default 12), --decode-tokens D decode steps (default 2)
              --report-every K     a line every K cycles (default 1000)
              --warmup W           cycles before the baseline the end is compared with (default N/10, at most 1000)
              --max-seconds S      stop after S seconds even if N cycles have not run (default 600)
              Exit status 0 when every descriptor and mapping of the model's files was released after each
              cycle, the open descriptors are back at the baseline, and the logits stayed those of the first
              cycle (to 1e-4 of the largest, the JIT's rounding); 1 otherwise; 2 for a usage mistake.""";

    public static SoakOptions parse(String[] argv) {
        Path model = null;
        ModelVariant variant = ModelVariant.BASE;
        boolean variantGiven = false;
        int cycles = 20000;
        long maxSeconds = 600;
        int threads = 1;
        int computeThreads = 1;
        int prompt = 12;
        int decode = 2;
        int every = 1000;
        int warmup = -1;
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
                case "--variant" -> {
                    variantGiven = true;
                    variant = switch (v) {
                        case "base" -> ModelVariant.BASE;
                        case "w8aspike" -> ModelVariant.W8ASPIKE;
                        default -> throw new UsageException("--variant must be base or w8aspike, got \"" + v + "\"");
                    };
                }
                case "--cycles" -> cycles = atLeast(opt, v, 1);
                case "--max-seconds" -> maxSeconds = atLeast(opt, v, 1);
                case "--threads" -> threads = atLeast(opt, v, 1, 256);
                case "--compute-threads" -> computeThreads = atLeast(opt, v, 1, 256);
                case "--prompt-tokens" -> prompt = atLeast(opt, v, 1, 4096);
                case "--decode-tokens" -> decode = atLeast(opt, v, 0, 4096);
                case "--report-every" -> every = atLeast(opt, v, 1);
                case "--warmup" -> warmup = atLeast(opt, v, 0);
                default -> throw new UsageException("unknown option " + opt);
            }
        }
        if (model != null && variantGiven) {
            throw new UsageException("--variant picks the synthetic checkpoint; it does not apply to --model");
        }
        if (warmup < 0) {
            warmup = Math.min(1000, cycles / 10);
        }
        if (warmup >= cycles) {
            throw new UsageException("--warmup (" + warmup + ") must be smaller than --cycles (" + cycles + ")");
        }
        return new SoakOptions(model, variant, cycles, maxSeconds, threads, computeThreads, prompt, decode, every, warmup);
    }

    private static int atLeast(String opt, String v, int min) {
        return atLeast(opt, v, min, Integer.MAX_VALUE);
    }

    private static int atLeast(String opt, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(opt + " must be an integer from " + min + (max == Integer.MAX_VALUE ? " up" : " to " + max)
                + ", got \"" + v + "\"");
    }

    /** A command-line mistake; a null message means the user asked for help. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
