package io.spikert.bench.gpu;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikert.ffm.GpuDriver;

/**
 * HBM bandwidth from a device-to-device copy: each byte copied is read once and written once, so the
 * figure counts twice the buffer size per copy.
 */
final class HbmBandwidth {
    private HbmBandwidth() {}

    /** Returns the measured bandwidth in bytes per second (median of {@code reps} copies). */
    static double measure(GpuDriver driver, DeviceTimer timer, long bytes, int reps, GpuBenchReport report) {
        report.line("[hbm] device-to-device copy of %.2f GiB, %d timed copies ...", bytes / DeviceMemory.GIB, reps);
        try (DeviceMemory mem = new DeviceMemory(driver)) {
            long src = mem.allocate(bytes, "the bandwidth copy's source");
            long dst = mem.allocate(bytes, "the bandwidth copy's destination");
            mem.fillBf16(src, bytes / 2);
            Timing t = timer.time(2, reps, () -> driver.copyDeviceToDevice(dst, src, bytes));
            double bandwidth = 2.0 * bytes / (t.medianMs() * 1e-3);
            double best = 2.0 * bytes / (t.bestMs() * 1e-3);
            report.line("[hbm] copy: %.3f ms median -> %.0f GB/s (read + write; best %.0f GB/s)",
                    t.medianMs(), bandwidth / 1e9, best / 1e9);
            ObjectNode j = report.section("hbm");
            j.put("method", "cuMemcpyDtoD, bytes counted = 2 x buffer (read + write)");
            j.put("bufferBytes", bytes);
            j.put("medianMs", t.medianMs());
            j.put("bestMs", t.bestMs());
            j.put("reps", t.reps());
            j.put("bandwidthGBps", bandwidth / 1e9);
            j.put("bestBandwidthGBps", best / 1e9);
            return bandwidth;
        }
    }
}
