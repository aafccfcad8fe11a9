package io.spikert.model.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident and heap memory of this process, for the speed and memory lines the commands print. */
final class MemoryReport {
    private MemoryReport() {}

    /** VmRSS from /proc (Linux); -1 where it is not available. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static long heapUsedBytes() {
        var rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    static String human(long bytes) {
        if (bytes < 0) {
            return "n/a";
        }
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format("%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
