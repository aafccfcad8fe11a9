package io.spikert.bench.gpu;

import io.spikert.model.synthetic.SyntheticCheckpoint;
import java.nio.file.Path;

/**
 * Command-line options of {@link GpuBench}.
 *
 * @param out           folder for gpu-bench.txt and gpu-bench.json
 * @param copyMiB       size of each buffer of the bandwidth copy
 * @param gemmSize      m = n = k of the GEMM comparison
 * @param prefillTokens prompt length of the prefill estimate
 * @param reps          timed repetitions of the fast measurements (the slow kernel gets fewer)
 * @param shape         the device-resident model's shape: "7b" (SyntheticCheckpoint.Dims.SEVEN_B) or "small"
 *                      (Dims.DEMO: the 7B vocabulary, a few narrow layers; for a quick check)
 * @param decodeSteps   timed decode steps of the device-resident model
 */
record GpuBenchOptions(Path out, long copyMiB, int gemmSize, int prefillTokens, int reps, String shape, int decodeSteps) {

    static final String USAGE = """
            usage: GpuBench [--out DIR] [--copy-mib N] [--gemm-size N] [--prefill-tokens N] [--reps N]
                            [--shape 7b|small] [--decode-steps N]
              --out DIR            where gpu-bench.txt and gpu-bench.json go (default: gpu-bench-out)
              --copy-mib N         each buffer of the device-to-device copy, MiB (default 2048)
              --gemm-size N        m = n = k of cuBLAS GemmEx against matmul_bf16 (default 4096)
              --prefill-tokens N   prompt length of the prefill estimate and the resident prefill (default 4096)
              --reps N             timed repetitions (default 10)
              --shape 7b|small     shape of the device-resident model run (default 7b)
              --decode-steps N     timed decode steps of the device-resident model (default 16)""";

    static GpuBenchOptions parse(String[] args) {
        Path out = Path.of("gpu-bench-out");
        long copyMiB = 2048;
        int gemm = 4096;
        int tokens = 4096;
        int reps = 10;
        String shape = "7b";
        int decodeSteps = 16;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--out" -> out = Path.of(v);
                case "--copy-mib" -> copyMiB = positive(a, v);
                case "--gemm-size" -> gemm = Math.toIntExact(positive(a, v));
                case "--prefill-tokens" -> tokens = Math.toIntExact(positive(a, v));
                case "--reps" -> reps = Math.toIntExact(positive(a, v));
                case "--decode-steps" -> decodeSteps = Math.toIntExact(positive(a, v));
                case "--shape" -> {
                    if (!v.equals("7b") && !v.equals("small")) {
                        throw new IllegalArgumentException("--shape must be 7b or small, got '" + v + "'\n" + USAGE);
                    }
                    shape = v;
                }
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        return new GpuBenchOptions(out, copyMiB, gemm, tokens, reps, shape, decodeSteps);
    }

    /** The synthetic dimensions of {@link #shape()}. */
    SyntheticCheckpoint.Dims dims() {
        return shape.equals("small") ? SyntheticCheckpoint.Dims.DEMO : SyntheticCheckpoint.Dims.SEVEN_B;
    }

    private static long positive(String option, String value) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + value + "'");
        }
        if (n <= 0) {
            throw new IllegalArgumentException(option + " must be positive, got " + n);
        }
        return n;
    }
}
