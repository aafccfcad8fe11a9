package io.spikert.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process from /proc/self/status (Linux): VmRSS, split into anonymous
 * (heap, native buffers) and file-backed (the mapped weights), and VmHWM, the peak VmRSS so far.
 * Values are -1 where unavailable.
 */
public record ProcessMemory(long residentBytes, long anonBytes, long fileBytes, long peakResidentBytes) {

    public static ProcessMemory now() {
        long rss = -1;
        long anon = -1;
        long file = -1;
        long peak = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line);
                } else if (line.startsWith("RssAnon:")) {
                    anon = kib(line);
                } else if (line.startsWith("RssFile:")) {
                    file = kib(line);
                } else if (line.startsWith("VmHWM:")) {
                    peak = kib(line);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return new ProcessMemory(-1, -1, -1, -1);
        }
        return new ProcessMemory(rss, anon, file, peak);
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
}
