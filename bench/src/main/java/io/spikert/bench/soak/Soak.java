package io.spikert.bench.soak;

import io.spikert.bench.harness.ProcessMemory;
import io.spikert.model.ModelVariant;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;
import io.spikert.runtime.ProcessHandles;
import io.spikert.runtime.backend.CpuBackend;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The soak command ({@code scripts/soak}, {@link SoakOptions#USAGE}): opens and closes a model and its
 * sessions cycle after cycle in one JVM and prints what the process holds every few cycles, so that
 * resident memory, native memory (native memory tracking, when the JVM runs with it), open descriptors
 * and mappings can be seen to stay flat. Bounded in cycles and in time; stops by itself.
 */
public final class Soak {
    /** Logits may move by the JIT's rounding as code gets compiled (about 1e-6 of the largest seen). */
    static final double LOGIT_TOLERANCE = 1e-4;
    /** The synthetic checkpoint: vocabulary 512, hidden 128 (a multiple of W8ASpike's group of 128), 4 layers, window 6. */
    static final SyntheticCheckpoint.Dims TINY = new SyntheticCheckpoint.Dims(512, 128, 4, 4, 2, 256, 6);
    private static final long MIB = 1L << 20;

    private Soak() {}

    public static void main(String[] args) throws Exception {
        SoakOptions options;
        try {
            options = SoakOptions.parse(args);
        } catch (SoakOptions.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("soak: " + e.getMessage());
            }
            System.err.println(SoakOptions.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        System.exit(run(options, System.out) ? 0 : 1);
    }

    /** Runs the soak; true when every exact check held (see {@link SoakOptions#USAGE}). */
    static boolean run(SoakOptions o, PrintStream out) throws Exception {
        if (o.model() != null) {
            if (!Files.isRegularFile(o.model().resolve("config.json"))) {
                throw new IOException(o.model() + ": not a model folder (no config.json)");
            }
            return soak(o, o.model().toRealPath(), o.model().toString(), out);
        }
        Path dir = Files.createTempDirectory("spikert-soak-");
        try {
            SyntheticCheckpoint.write(dir, TINY, o.variant(), o.variant() == ModelVariant.W8ASPIKE ? DType.F32 : DType.BF16,
                    7L, written -> { }, false);
            return soak(o, dir.toRealPath(), "synthetic tiny " + o.variant() + " " + TINY + " (" + dir + ", removed at the end)", out);
        } finally {
            deleteWritten(dir);
        }
    }

    private static boolean soak(SoakOptions o, Path dir, String label, PrintStream out) throws Exception {
        NativeMemory nmt = NativeMemory.now();
        out.printf("soak: %d cycles at most, %d s at most; %d session thread(s) per cycle, %d compute thread(s) each cycle%n",
                o.cycles(), o.maxSeconds(), o.threads(), o.computeThreads());
        out.printf("machine: %d cores, JVM %s (%s), max heap %d MiB, native memory tracking %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().maxMemory() / MIB, nmt.tracked() ? "on" : "off (run with -XX:NativeMemoryTracking=summary)");
        out.printf("model: %s%n", label);

        ExecutorService sessions = Executors.newFixedThreadPool(o.threads(), r -> {
            Thread t = new Thread(r, "soak-session");
            t.setDaemon(true);
            return t;
        });
        try {
            return new Run(o, dir, sessions, out).cycles();
        } finally {
            sessions.shutdownNow();
        }
    }

    /** One soak run's state: prompts, the first cycle's logits, the baseline, counts of what went wrong. */
    private static final class Run {
        final SoakOptions o;
        final Path dir;
        final ExecutorService sessions;
        final PrintStream out;
        final int[][] prompts;
        final int[][] decodeIds;
        float[][] reference;
        double maxDeviation;
        int deviations;
        int heldAfterClose;
        Snapshot baseline;

        Run(SoakOptions o, Path dir, ExecutorService sessions, PrintStream out) {
            this.o = o;
            this.dir = dir;
            this.sessions = sessions;
            this.out = out;
            this.prompts = new int[o.threads()][];
            this.decodeIds = new int[o.threads()][];
        }

        boolean cycles() throws Exception {
            long t0 = System.nanoTime();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(o.maxSeconds());
            long lastReport = t0;
            int lastReportCycle = 0;
            int c = 0;
            long baselineNanos = t0;
            for (; c < o.cycles() && System.nanoTime() < deadline; c++) {
                if (c == o.warmup()) {
                    System.gc();
                    baseline = Snapshot.now(dir);
                    baselineNanos = System.nanoTime();
                    out.printf("baseline after %d warm-up cycles: %s%n", c, baseline.describe());
                }
                cycle(c);
                ProcessHandles h = ProcessHandles.now(dir);
                if (h.fdsUnder() != 0 || h.mappingsUnder() != 0) {
                    if (heldAfterClose++ == 0) {
                        out.printf("cycle %d: after close the process still holds %d descriptor(s) and %d mapping(s) of %s%n",
                                c, h.fdsUnder(), h.mappingsUnder(), dir);
                    }
                }
                if ((c + 1) % o.reportEvery() == 0) {
                    long now = System.nanoTime();
                    out.printf("cycle %d  %.1f s  %.0f cycles/s  %s%n", c + 1, (now - t0) / 1e9,
                            (c + 1 - lastReportCycle) / ((now - lastReport) / 1e9), Snapshot.now(dir).describe());
                    lastReport = now;
                    lastReportCycle = c + 1;
                }
            }
            long end = System.nanoTime();
            System.gc();
            Snapshot last = Snapshot.now(dir);
            out.printf("ran %d cycles in %.1f s (%s)%n", c, (end - t0) / 1e9,
                    c < o.cycles() ? "stopped at --max-seconds" : "all cycles");
            if (baseline == null) {
                out.println("no baseline: the run stopped before the warm-up ended");
                return heldAfterClose == 0 && deviations == 0;
            }
            int measured = c - o.warmup();
            out.printf("after warm-up: %d cycles in %.1f s = %.0f cycles/s%n", measured, (end - baselineNanos) / 1e9,
                    measured / ((end - baselineNanos) / 1e9));
            out.printf("baseline: %s%n", baseline.describe());
            out.printf("end:      %s%n", last.describe());
            out.printf("growth:   %s%n", baseline.growthTo(last));
            if (baseline.nmt().tracked()) {
                Map<String, Long> byCategory = baseline.nmt().growthTo(last.nmt());
                StringBuilder b = new StringBuilder();
                byCategory.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(' ').append(kib(v)));
                out.printf("NMT committed growth by category: %s%n", b.isEmpty() ? "none" : b);
            }
            out.printf("logits: largest relative deviation from the first cycle %.3g over %d checks, %d above %.0e%n",
                    maxDeviation, (long) c * o.threads(), deviations, LOGIT_TOLERANCE);
            boolean fdsBack = last.handles().fds() == baseline.handles().fds();
            boolean ok = heldAfterClose == 0 && deviations == 0 && fdsBack;
            out.printf("result: %s (model files held after close in %d cycle(s); open descriptors %s baseline; %d logit deviation(s))%n",
                    ok ? "PASS" : "FAIL", heldAfterClose, fdsBack ? "back at" : "NOT back at", deviations);
            return ok;
        }

        void cycle(int c) throws Exception {
            try (var backend = new CpuBackend(o.computeThreads()); var model = SpikingBrainModel.load(dir, backend)) {
                int vocab = model.config().vocabSize();
                if (c == 0) {
                    for (int t = 0; t < o.threads(); t++) {
                        prompts[t] = ids(o.promptTokens(), vocab, 100 + t);
                        decodeIds[t] = ids(o.decodeTokens(), vocab, 200 + t);
                    }
                }
                List<Future<float[]>> running = new ArrayList<>();
                for (int t = 0; t < o.threads(); t++) {
                    int thread = t;
                    running.add(sessions.submit(() -> session(model, prompts[thread], decodeIds[thread])));
                }
                float[][] got = new float[o.threads()][];
                Exception failure = null;
                for (int t = 0; t < o.threads(); t++) { // every session ends before the model closes
                    try {
                        got[t] = running.get(t).get(120, TimeUnit.SECONDS);
                    } catch (ExecutionException | TimeoutException e) {
                        failure = failure == null ? e : failure;
                    }
                }
                if (failure != null) {
                    throw new IllegalStateException("cycle " + c + ": a session failed or did not end in 120 s", failure);
                }
                if (c == 0) {
                    reference = got;
                    return;
                }
                for (int t = 0; t < o.threads(); t++) {
                    double d = deviation(reference[t], got[t], vocab);
                    maxDeviation = Math.max(maxDeviation, d);
                    if (d > LOGIT_TOLERANCE) {
                        if (deviations++ == 0) {
                            out.printf("cycle %d, session %d: logits deviate from the first cycle's by %.3g%n", c, t, d);
                        }
                    }
                }
            }
        }
    }

    /** One session: prefill, then decode steps; the logits after the prefill and after each step. */
    static float[] session(SpikingBrainModel model, int[] prompt, int[] decodeIds) {
        int vocab = model.config().vocabSize();
        float[] all = new float[(1 + decodeIds.length) * vocab];
        try (Session s = model.newSession()) {
            System.arraycopy(s.prefill(prompt), 0, all, 0, vocab);
            for (int i = 0; i < decodeIds.length; i++) {
                System.arraycopy(s.decode(decodeIds[i]), 0, all, (1 + i) * vocab, vocab);
            }
        }
        return all;
    }

    /** The largest, over steps, of max |got - want| / max |want| within the step's logits. */
    static double deviation(float[] want, float[] got, int vocab) {
        double worst = 0;
        for (int off = 0; off < want.length; off += vocab) {
            double diff = 0;
            double ref = 0;
            for (int i = off; i < off + vocab; i++) {
                diff = Math.max(diff, Math.abs(got[i] - want[i]));
                ref = Math.max(ref, Math.abs(want[i]));
            }
            worst = Math.max(worst, diff / Math.max(ref, 1e-30));
        }
        return worst;
    }

    static int[] ids(int n, int vocab, long seed) {
        var r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    /** Removes the synthetic checkpoint this run wrote (the folder was created by this run, so is all ours). */
    private static void deleteWritten(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format("%.1f MiB", bytes / (double) MIB);
    }

    static String kib(long bytes) {
        return String.format("%+d KiB", bytes / 1024);
    }

    /** What the process holds at one moment. */
    record Snapshot(ProcessMemory memory, NativeMemory nmt, ProcessHandles handles) {
        static Snapshot now(Path dir) {
            return new Snapshot(ProcessMemory.now(), NativeMemory.now(), ProcessHandles.now(dir));
        }

        String describe() {
            String native_ = nmt.tracked()
                    ? String.format("NMT committed %s (outside the heap %s, malloc %s in %d blocks)", mib(nmt.committedBytes()),
                            mib(nmt.committedOutsideHeapBytes()), mib(nmt.mallocBytes()), nmt.mallocCount())
                    : "NMT off";
            return String.format("RSS %s, %s, fds %d, mappings %d (model files %d)", mib(memory.residentBytes()), native_,
                    handles.fds(), handles.mappings(), handles.mappingsUnder());
        }

        String growthTo(Snapshot later) {
            String native_ = nmt.tracked()
                    ? String.format("NMT committed %s, outside the heap %s, malloc %s and %+d blocks",
                            kib(later.nmt.committedBytes() - nmt.committedBytes()),
                            kib(later.nmt.committedOutsideHeapBytes() - nmt.committedOutsideHeapBytes()),
                            kib(later.nmt.mallocBytes() - nmt.mallocBytes()), later.nmt.mallocCount() - nmt.mallocCount())
                    : "NMT off";
            return String.format("RSS %s, %s, fds %+d, mappings %+d", kib(later.memory.residentBytes() - memory.residentBytes()),
                    native_, later.handles.fds() - handles.fds(), later.handles.mappings() - handles.mappings());
        }
    }
}
