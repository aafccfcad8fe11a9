package io.spikert.bench.gpu;

import java.nio.file.Path;

/**
 * Command-line options of {@link GpuBench}.
 *
 * @param out           folder for gpu-bench.txt and gpu-bench.json
 * @param copyMiB       size of each buffer of the bandwidth copy
 * @param gemmSize      m = n = k of the GEMM comparison
 * @param prefillTokens prompt length of the prefill estimate
 * @param reps          timed repetitions of the fast measurements (the slow kernel gets fewer)
 */
record GpuBenchOptions(Path out, long copyMiB, int gemmSize, int prefillTokens, int reps) {

    static final String USAGE = """
            usage: GpuBench [--out DIR] [--copy-mib N] [--gemm-size N] [--prefill-tokens N] [--reps N]
              --out DIR            where gpu-bench.txt and gpu-bench.json go (default: gpu-bench-out)
              --copy-mib N         each buffer of the device-to-device copy, MiB (default 2048)
              --gemm-size N        m = n = k of cuBLAS GemmEx against matmul_bf16 (default 4096)
              --prefill-tokens N   prompt length of the prefill estimate (default 4096)
              --reps N             timed repetitions (default 10)""";

    static GpuBenchOptions parse(String[] args) {
        Path out = Path.of("gpu-bench-out");
        long copyMiB = 2048;
        int gemm = 4096;
        int tokens = 4096;
        int reps = 10;
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
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        return new GpuBenchOptions(out, copyMiB, gemm, tokens, reps);
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
