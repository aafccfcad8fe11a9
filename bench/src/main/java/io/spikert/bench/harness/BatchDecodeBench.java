package io.spikert.bench.harness;

import io.spikert.model.BatchDecoder;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.backend.CpuBackend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decode steps of several sequences in one pass ({@link BatchDecoder}) on the CPU: seconds per step and tokens/s
 * over all sequences, after two untimed steps. The tuning switches come from the system properties, so
 * {@code -Dspikert.cpu.vendorMath=off|auto} compares the Vector API's multi-token products with oneDNN's.
 * Arguments: MODEL_DIR [sequences, default 4] [threads, default all cores] [timed steps, default 4].
 * Results: docs/PERFORMANCE.md, "CPU vendor math".
 */
public final class BatchDecodeBench {
    private BatchDecodeBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: BatchDecodeBench MODEL_DIR [sequences] [threads] [steps]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        if (n < 1 || threads < 1 || steps < 1) {
            throw new IllegalArgumentException("sequences, threads and steps must be at least 1");
        }
        try (var backend = new CpuBackend(threads, Tuning.fromSystemProperties());
             var model = SpikingBrainModel.load(dir, backend);
             BatchDecoder batch = model.newBatchDecoder(n)) {
            System.out.println("backend: " + backend.name());
            List<Session> sessions = new ArrayList<>();
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                Session s = model.newSession();
                s.prefill(new int[] {100 + i, 200 + i});
                sessions.add(s);
                ids[i] = 300 + i;
            }
            for (int w = 0; w < 2; w++) {
                batch.decode(sessions, ids);
            }
            long t0 = System.nanoTime();
            for (int k = 0; k < steps; k++) {
                batch.decode(sessions, ids);
            }
            double perStep = (System.nanoTime() - t0) / 1e9 / steps;
            System.out.printf(Locale.ROOT, "batch decode: %d sequences, %d threads: %.3f s per step = %.2f tokens/s in all%n",
                    n, threads, perStep, n / perStep);
            sessions.forEach(Session::close);
        }
    }
}
