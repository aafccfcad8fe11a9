package io.spikert.bench.gpu;

import io.spikert.ffm.GpuDriver;
import io.spikert.ffm.GpuEvent;
import io.spikert.ffm.GpuStream;

/**
 * Times work issued on the default stream with a pair of events, so the figure is device time
 * between the first and last launch, not host time (the host only waits on the end event).
 */
final class DeviceTimer implements AutoCloseable {
    private final GpuDriver driver;
    private final GpuEvent start;
    private final GpuEvent end;

    DeviceTimer(GpuDriver driver) {
        this.driver = driver;
        this.start = driver.createEvent();
        this.end = driver.createEvent();
    }

    /** Runs {@code work} {@code warmups} times untimed, then {@code reps} times, each timed alone. */
    Timing time(int warmups, int reps, Runnable work) {
        for (int i = 0; i < warmups; i++) {
            work.run();
        }
        driver.synchronize();
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            driver.record(start, GpuStream.DEFAULT);
            work.run();
            driver.record(end, GpuStream.DEFAULT);
            driver.synchronize(end);
            ms[i] = driver.elapsedMillis(start, end);
        }
        return Timing.of(ms);
    }

    @Override
    public void close() {
        driver.destroy(start);
        driver.destroy(end);
    }
}
