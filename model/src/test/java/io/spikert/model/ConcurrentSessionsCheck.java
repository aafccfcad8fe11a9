package io.spikert.model;

import io.spikert.runtime.backend.CpuBackend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@value #THREADS} sessions of one shared model on {@value #THREADS} threads and compares every logit
 * with the same prompts run one after another on that model. Each thread runs a different prompt
 * (prefill in chunks of {@value #CHUNK}, then {@value #DECODE_STEPS} decode steps), for a number of
 * rounds with a fresh session each round and the prompts rotated between threads. {@link RendezvousBackend}
 * holds every step of every thread at the step's first product until all threads are there, so the
 * forward passes overlap by construction.
 *
 * <p>Used in the test JVM and, through {@link #main}, in a child JVM that compiles with C1 only, where the
 * arithmetic does not change as the JIT warms up (see {@link ConcurrentSessionsTest}).
 */
final class ConcurrentSessionsCheck {
    static final int THREADS = 4;
    static final int DECODE_STEPS = 5;
    static final int CHUNK = 16;
    /** 3: decode-sized; 17: a chunk and one; 26; 40: two full chunks (batched spiking products) and a partial one. */
    static final int[] PROMPT_LENGTHS = {3, 17, 26, 40};

    /** One thread's work: a prompt, then decode steps feeding the given ids. */
    record Script(int[] prompt, int[] decodeIds) {
        int steps() {
            return 1 + decodeIds.length;
        }
    }

    /**
     * What the rounds found: the first logit that differs in its bits from the sequential run (null if
     * none), the largest relative difference of any step's logits, and the rendezvous count.
     */
    record Outcome(String firstBitDifference, double maxRelativeError, int meetings, int expectedMeetings) {}

    private ConcurrentSessionsCheck() {}

    static Outcome run(Path dir, LoadOptions options, int computeThreads, int rounds) throws Exception {
        var backend = new RendezvousBackend(new CpuBackend(computeThreads), THREADS);
        // the session threads end before the model and its compute pool close (a pool closed under a
        // running parallel region leaves its caller waiting for a piece no worker will run)
        try (backend; var model = SpikingBrainModel.load(dir, backend, options)) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                return compare(model, backend, pool, rounds);
            } finally {
                pool.shutdownNow();
                if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("session threads still running 30 s after the check ended");
                }
            }
        }
    }

    private static Outcome compare(SpikingBrainModel model, RendezvousBackend backend, ExecutorService pool, int rounds)
            throws Exception {
        int vocab = model.config().vocabSize();
        List<Script> scripts = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            scripts.add(new Script(TestModels.ids(PROMPT_LENGTHS[i], vocab, 100 + i), TestModels.ids(DECODE_STEPS, vocab, 200 + i)));
        }
        // The reference: every script alone, one after another, on this thread (never armed).
        List<float[]> expected = new ArrayList<>();
        for (Script s : scripts) {
            expected.add(run(model, s, () -> { }));
        }
        String firstDifference = null;
        double maxError = 0;
        for (int round = 0; round < rounds; round++) {
            List<Future<float[]>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Script s = scripts.get((t + round) % THREADS);
                results.add(pool.submit(() -> run(model, s, backend::arm)));
            }
            for (int t = 0; t < THREADS; t++) {
                int script = (t + round) % THREADS;
                float[] got = results.get(t).get(120, TimeUnit.SECONDS);
                float[] want = expected.get(script);
                String where = "round " + round + ", thread " + t + ", prompt of " + PROMPT_LENGTHS[script] + " tokens";
                if (firstDifference == null) {
                    firstDifference = firstBitDifference(want, got, vocab, where);
                }
                for (int step = 0; step < want.length / vocab; step++) {
                    maxError = Math.max(maxError, TestModels.relativeError(got, step * vocab, want, step * vocab, vocab));
                }
            }
        }
        return new Outcome(firstDifference, maxError, backend.meetings(), rounds * scripts.getFirst().steps());
    }

    /**
     * Runs {@code script} in a new session: the logits of every prompt token, then of every decode step,
     * in one array. {@code beforeStep} runs before the prefill and before each decode step.
     */
    static float[] run(SpikingBrainModel model, Script script, Runnable beforeStep) {
        int vocab = model.config().vocabSize();
        int[] prompt = script.prompt();
        float[] all = new float[(prompt.length + script.decodeIds().length) * vocab];
        try (Session session = model.newSession(CHUNK)) {
            beforeStep.run();
            session.prefill(prompt, (i, logits, off) -> System.arraycopy(logits, off, all, i * vocab, vocab));
            for (int d = 0; d < script.decodeIds().length; d++) {
                beforeStep.run();
                System.arraycopy(session.decode(script.decodeIds()[d]), 0, all, (prompt.length + d) * vocab, vocab);
            }
        }
        return all;
    }

    /** Where {@code got} first differs from {@code expected} in the bits of a logit, or null. */
    static String firstBitDifference(float[] expected, float[] got, int vocab, String where) {
        if (expected.length != got.length) {
            return where + ": " + got.length + " logits, expected " + expected.length;
        }
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(got[i])) {
                return where + ": logit " + (i % vocab) + " of step " + (i / vocab) + " is " + got[i]
                        + " concurrently, " + expected[i] + " alone";
            }
        }
        return null;
    }

    /**
     * Child-JVM entry: {@code DIR INTEGER(true|false) COMPUTE_THREADS ROUNDS}. Prints the outcome; exit
     * status 0 when every logit matched bit for bit and every step met, 1 otherwise.
     */
    public static void main(String[] args) throws Exception {
        var options = LoadOptions.defaults().withIntegerSpikes(Boolean.parseBoolean(args[1]));
        Outcome o = run(Path.of(args[0]), options, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        System.out.println(o);
        System.exit(o.firstBitDifference() == null && o.meetings() == o.expectedMeetings() ? 0 : 1);
    }
}
