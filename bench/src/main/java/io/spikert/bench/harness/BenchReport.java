package io.spikert.bench.harness;

import java.util.List;

/**
 * Everything one {@link EndToEndBench} run measured, in the shape written to {@code --json}.
 * Rates are per second; sizes in bytes; -1 where a value is not available on this platform.
 */
public record BenchReport(
        Machine machine,
        String model,
        String format,
        long weightBytes,
        double loadSeconds,
        ProcessMemory memoryAfterLoad,
        ProcessMemory memoryAfterRun,
        long sessionStateBytes,
        int promptTokens,
        double prefillSeconds,
        double prefillTokensPerSecond,
        int warmupTokens,
        int decodeTokens,
        double decodeSeconds,
        double decodeTokensPerSecond,
        Bandwidth bandwidth,
        DecodeTraffic decodeTraffic,
        double boundTokensPerSecond,
        double decodePercentOfBound,
        List<Target> targets) {

    public record Machine(int cores, int threads, String javaVmVersion, String vector, String os, String arch) {}

    /** @param source NATIVE or WEIGHTS, see {@link BandwidthProbe.Source} */
    public record Bandwidth(String source, long bytesPerPass, double[] passSeconds, double bestBytesPerSecond) {}

    public record Target(String name, String requirement, double measured, boolean pass) {}
}
