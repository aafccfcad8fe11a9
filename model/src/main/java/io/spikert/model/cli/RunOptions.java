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

    @Option(names = "--verbose", description = "Reports which spike kernel each W8ASpike projection used.")
    boolean verbose;

    @Option(names = "--check-weights",
            description = "Scans every floating-point weight for NaN and infinities before running, naming the first"
                    + " bad tensor and position (one more read of every weight byte); without it only the tensors the load reads"
                    + " anyway are checked, and non-finite logits stop the command.")
    boolean checkWeights;
}
