package io.spikert.bench.sweep;

import io.spikert.bench.harness.BenchOptions;
import io.spikert.bench.harness.ProcessMemory;
import io.spikert.bench.harness.Shape;
import io.spikert.bench.harness.SyntheticModelCache;
import io.spikert.model.Architecture;
import io.spikert.model.LoadOptions;
import io.spikert.model.ModelConfig;
import io.spikert.model.Session;
import io.spikert.model.SpikingBrainModel;
import io.spikert.model.WeightQuantization;
import io.spikert.model.generate.Sampler;
import io.spikert.runtime.Precision;
import io.spikert.runtime.Tuning;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.runtime.backend.KvPrecision;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * The long-context comparison (issue 13): SpikingBrain and Qwen2 of the same shape in one process, one after the
 * other; for each context length a fresh session prefills a prompt of that many tokens (TTFT), then decodes a few
 * tokens greedily (the decode rate after that context: the median step's, timed after two untimed steps), and the
 * heap in use after a full GC (the session's state: constant for SpikingBrain, the growing key/value cache for
 * Qwen2) and the resident memory are read. A point stops
 * at the time cap (the prompt's prefill is checked after each piece) or is skipped when Qwen2's cache would not fit
 * the heap, and the model's longer contexts are skipped after it, saying so. {@code --state-depths} adds decode
 * rates at depths no prompt is run to: the session is put there with an arbitrary state of the right size
 * ({@link SpikingBrainModel#newSessionAtDepth}), which costs a decode step what a prompt that long would leave it
 * (run it also at a depth a prompt reached to see the two agree). Writes {@code sweep.csv},
 * {@code sweep.md} and {@code sweep.png} into {@code --out}, after every point (a long run leaves what it measured).
 */
@Command(name = "context-sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "TTFT and decode tokens/s against context length, SpikingBrain against Qwen2 of the same shape.")
public final class ContextSweep implements Callable<Integer> {
    static final String SPIKINGBRAIN = "SpikingBrain";
    static final String QWEN2 = "Qwen2";
    /** Decode steps run after the prompt before the timed ones. */
    private static final int UNTIMED_DECODE_STEPS = 2;
    /** Prompt tokens per prefill call, between which the time cap is checked. */
    private static final int PIECE = 4096;

    @Option(names = "--shape", defaultValue = "small", description = "Synthetic shape of both models: small, demo, 1.5b or 7b (default small).")
    String shape;

    @Option(names = "--spikingbrain", paramLabel = "DIR", description = "A SpikingBrain folder instead of the synthetic one.")
    Path spikingBrainDir;

    @Option(names = "--qwen2", paramLabel = "DIR", description = "A Qwen2 folder instead of the synthetic one.")
    Path qwen2Dir;

    @Option(names = "--contexts", split = ",", defaultValue = "1k,4k,16k,64k,128k,256k",
            description = "Context lengths of both models (k = 1024, M = 1048576; default 1k,4k,16k,64k,128k,256k).")
    List<String> contexts;

    @Option(names = "--spikingbrain-extra", split = ",", defaultValue = "",
            description = "Further context lengths for SpikingBrain only (its memory is flat: 1M, say).")
    List<String> extra;

    @Option(names = "--state-depths", split = ",", defaultValue = "",
            description = "Depths at which both models' decode is timed from a session put there with an arbitrary state"
                    + " instead of after a prompt (no TTFT): 256k, 1M, ... where a prompt would take hours.")
    List<String> stateDepths;

    @Option(names = "--alternate", description = "Runs the --state-depths points of both models in one process at once, their"
            + " timed decode steps alternated (SpikingBrain, Qwen2, SpikingBrain, ...), so that both rates of a depth see the"
            + " same state of a noisy host; the heap must hold both (Qwen2's cache beside SpikingBrain's state).")
    boolean alternate;

    @Option(names = "--kv-cache", defaultValue = "f32",
            description = "Key/value cache precision of both models, f32 or bf16 (default f32).")
    String kvCache;

    @Option(names = "--quantize", defaultValue = "none",
            description = "Both models' projection weights quantised at load: none, q8 or q4 (default none; the report's CPU"
                    + " figures ran both models at Q4_0).")
    String quantize;

    @Option(names = "--decode-tokens", defaultValue = "16",
            description = "Greedy decode steps timed after each prompt; the rate is the median step's (default 16).")
    int decodeTokens;

    @Option(names = "--point-cap-s", defaultValue = "600",
            description = "Most seconds one prompt's prefill may take; the point stops there and the model's longer contexts are skipped (default 600).")
    double capSeconds;

    @Option(names = "--precision", defaultValue = "fp32", description = "Prefill activation precision, fp32 or bf16 (default fp32).")
    String precision;

    @Option(names = "--threads", description = "Compute threads (default: every processor).")
    Integer threads;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where synthetic checkpoints live (default $SPIKERT_CACHE, else ~/.cache/spikert).")
    Path cache;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "context-sweep", description = "Output folder (default ./context-sweep).")
    Path out;

    @Option(names = "--models", split = ",", defaultValue = "spikingbrain,qwen2",
            description = "Which models to run: spikingbrain, qwen2 or both (default both).")
    List<String> models;

    @Option(names = "--append", description = "Keep the points of the sweep.csv already in --out (a point run again replaces"
            + " its old one), so a long sweep can be run model by model or point by point.")
    boolean append;

    private final PrintStream log = System.err;
    private final List<SweepPoint> points = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new ContextSweep()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Long> sizes = parseContexts(contexts, "--contexts");
        List<Long> extraSizes = parseContexts(extra, "--spikingbrain-extra");
        List<Long> depths = parseContexts(stateDepths, "--state-depths");
        if (sizes.isEmpty() && depths.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--contexts and --state-depths name no context length");
        }
        if (decodeTokens < 1 || !(capSeconds > 0)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--decode-tokens and --point-cap-s must be positive");
        }
        boolean runSpikingBrain = false;
        boolean runQwen2 = false;
        for (String m : models) {
            switch (m.trim().toLowerCase(Locale.ROOT)) {
                case "spikingbrain" -> runSpikingBrain = true;
                case "qwen2" -> runQwen2 = true;
                default -> throw new CommandLine.ParameterException(new CommandLine(this),
                        "--models takes spikingbrain and qwen2, got '" + m + "'");
            }
        }
        if (append && Files.isRegularFile(out.resolve("sweep.csv"))) {
            points.addAll(SweepReport.readCsv(out.resolve("sweep.csv")));
        }
        Precision p = Precision.parse(precision, "--precision");
        KvPrecision kv = KvPrecision.parse(kvCache, "--kv-cache");
        WeightQuantization q = WeightQuantization.parse(quantize, "--quantize");
        int nThreads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        Shape s = Shape.parse(shape);
        Path cacheRoot = cache != null ? cache : BenchOptions.defaultCache();
        Path sb = !runSpikingBrain ? null : spikingBrainDir != null ? spikingBrainDir : SyntheticModelCache.ensure(cacheRoot, s, log);
        Path qw = !runQwen2 ? null : qwen2Dir != null ? qwen2Dir : SyntheticModelCache.ensureQwen2(cacheRoot, s, log);
        Files.createDirectories(out);
        List<Long> sbSizes = new ArrayList<>(sizes);
        extraSizes.stream().filter(n -> !sbSizes.contains(n)).forEach(sbSizes::add);
        sbSizes.sort(null);
        // Qwen2's context limit: its longest point that any limit allows (a longer one is skipped, saying so), so the
        // cache of that point does not double at its first decode step.
        long qwen2Most = ModelConfig.MAX_SLIDING_WINDOW + 1L - UNTIMED_DECODE_STEPS - decodeTokens;
        long longest = java.util.stream.Stream.concat(sizes.stream(), depths.stream()).mapToLong(Long::longValue)
                .filter(n -> n <= qwen2Most).max().orElse(qwen2Most);
        String title = String.format(Locale.ROOT, "SpikingBrain vs Qwen2, %s shape, %d threads, %s prefill, %s KV cache%s",
                spikingBrainDir == null ? s.cliName() : "given", nThreads, p.name().toLowerCase(Locale.ROOT), kv.label(),
                q == WeightQuantization.NONE ? "" : ", " + q.label() + " weights");
        log.println(title);
        Tuning tuning = Tuning.fromSystemProperties();
        try (CpuBackend backend = new CpuBackend(nThreads, tuning)) {
            backend.precision(p);
            log.println("backend: " + backend.name());
            boolean together = alternate && runSpikingBrain && runQwen2 && !depths.isEmpty();
            List<Long> apart = together ? List.of() : depths;
            LoadOptions sbOptions = LoadOptions.defaults().withKvCache(kv).withQuantize(q);
            long limit = longest + UNTIMED_DECODE_STEPS + decodeTokens;
            LoadOptions qwOptions = LoadOptions.defaults().withContextLimit((int) limit).withKvCache(kv).withQuantize(q);
            if (runSpikingBrain && !(together && sbSizes.isEmpty())) {
                sweep(SPIKINGBRAIN, sb, sbOptions, backend, sbSizes, apart, title);
            }
            if (runQwen2 && !(together && sizes.isEmpty())) {
                sweep(QWEN2, qw, qwOptions, backend, sizes, apart, title);
            }
            if (together) {
                alternateDepths(sb, sbOptions, qw, qwOptions, backend, depths, title);
            }
        }
        log.println("wrote " + out.resolve("sweep.md") + ", sweep.csv and sweep.png");
        return 0;
    }

    private void sweep(String name, Path dir, LoadOptions options, CpuBackend backend, List<Long> sizes, List<Long> depths,
                       String title) throws IOException {
        try (SpikingBrainModel model = SpikingBrainModel.load(dir, backend, options)) {
            ModelConfig c = model.config();
            describe(name, model, options);
            warmUp(model, (int) Math.min(512, sizes.isEmpty() ? 512 : sizes.get(0)));
            String stopped = null;
            for (long n : sizes) {
                if (stopped != null) {
                    replace(SweepPoint.skipped(name, n, stopped, false));
                    continue;
                }
                String noRoom = kvRoom(c, options.kvCache(), n, false);
                if (noRoom != null) {
                    replace(SweepPoint.skipped(name, n, noRoom, false));
                    stopped = "not run: a shorter context already did not fit";
                    continue;
                }
                SweepPoint point = outOfHeapSkips(name, n, false, () -> measure(name, model, n));
                replace(point);
                if (!point.ran()) {
                    stopped = point.skipped().startsWith("stopped after")
                            ? "not run: a shorter context stopped at the time cap"
                            : "not run: a shorter context ran out of heap";
                }
                save(title);
            }
            for (long n : depths) {
                String noRoom = kvRoom(c, options.kvCache(), n, true);
                replace(noRoom != null ? SweepPoint.skipped(name, n, noRoom, true)
                        : outOfHeapSkips(name, n, true, () -> measureAtDepth(name, model, n)));
                save(title);
            }
            save(title);
        }
    }

    private void describe(String name, SpikingBrainModel model, LoadOptions options) {
        ModelConfig c = model.config();
        log.printf("%s: %s, %d layers, hidden %d%n", name, c.architecture().displayName(), c.numLayers(), c.hiddenSize());
        if (options.quantize() != WeightQuantization.NONE) {
            log.println("  " + model.quantization().describe());
        }
    }

    /**
     * {@code --alternate}: both models loaded at once; at each depth a session of each is put there, and their timed
     * decode steps alternate, so a change of the host's speed during the point slows both. A depth whose Qwen2 cache
     * would not fit beside SpikingBrain is run for SpikingBrain alone, saying so for Qwen2.
     */
    private void alternateDepths(Path sbDir, LoadOptions sbOptions, Path qwDir, LoadOptions qwOptions, CpuBackend backend,
                                 List<Long> depths, String title) throws IOException {
        try (SpikingBrainModel sb = SpikingBrainModel.load(sbDir, backend, sbOptions);
             SpikingBrainModel qw = SpikingBrainModel.load(qwDir, backend, qwOptions)) {
            describe(SPIKINGBRAIN, sb, sbOptions);
            describe(QWEN2, qw, qwOptions);
            log.println("depth points: both models' decode steps alternated");
            warmUp(sb, 512);
            warmUp(qw, 512);
            for (long n : depths) {
                String noRoom = kvRoom(qw.config(), qwOptions.kvCache(), n, true);
                if (noRoom != null) {
                    replace(SweepPoint.skipped(QWEN2, n, noRoom, true));
                    replace(outOfHeapSkips(SPIKINGBRAIN, n, true, () -> measureAtDepth(SPIKINGBRAIN, sb, n)));
                    save(title);
                    continue;
                }
                try (Session a = sb.newSessionAtDepth(n)) {
                    int[] nextA = {untimed(a, 0)};
                    long[] memoryA = memoryNow(); // SpikingBrain's point: its session's heap, before Qwen2's cache exists
                    try (Session b = qw.newSessionAtDepth(n)) {
                        int[] nextB = {untimed(b, 0)};
                        long[] stepsA = new long[decodeTokens];
                        long[] stepsB = new long[decodeTokens];
                        for (int i = 0; i < decodeTokens; i++) {
                            stepsA[i] = timedStep(a, nextA);
                            stepsB[i] = timedStep(b, nextB);
                        }
                        replace(point(SPIKINGBRAIN, n, Double.NaN, 1e9 / median(stepsA), memoryA));
                        replace(point(QWEN2, n, Double.NaN, 1e9 / median(stepsB), memoryNow()));
                    }
                } catch (OutOfMemoryError e) {
                    String why = "not run: the heap ran out (" + e.getMessage() + "; -Xmx)";
                    log.printf("  both models %s: %s%n", SweepPlot.contextLabel(n), why);
                    replace(SweepPoint.skipped(SPIKINGBRAIN, n, why, true));
                    replace(SweepPoint.skipped(QWEN2, n, why, true));
                }
                save(title);
            }
        }
    }

    /** Adds {@code p} in place of an earlier point of its model and context (from --append), SpikingBrain's first. */
    private void replace(SweepPoint p) {
        points.removeIf(p::samePlace);
        points.add(p);
        points.sort(java.util.Comparator.comparing((SweepPoint q) -> !q.model().equals(SPIKINGBRAIN))
                .thenComparing(SweepPoint::fromState).thenComparingLong(SweepPoint::context));
    }

    /** Why Qwen2's cache after {@code n} tokens and the decode steps would not fit its limit or the heap, or null. */
    private String kvRoom(ModelConfig c, KvPrecision precision, long n, boolean fromState) {
        if (c.architecture() != Architecture.QWEN2) {
            return null;
        }
        if (n + UNTIMED_DECODE_STEPS + decodeTokens > c.contextLimit()) {
            return "not run: past the longest context SpikeRT gives a Qwen2 model (" + c.contextLimit() + " tokens)";
        }
        // A prompt's cache grows by doubling: n tokens and the steps after them may hold up to 2n slots. A state put
        // at depth n holds n (then the sweep's limit) slots, and one layer's old and new arrays while it grows.
        long perLayer = 2L * precision.bytes() * c.kvDim() * n;
        long kv = fromState ? perLayer * (c.numLayers() + 1) : 2 * perLayer * c.numLayers();
        System.gc(); // the previous point's session is garbage, not held
        Runtime rt = Runtime.getRuntime();
        long room = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()) - (256L << 20);
        if (kv > room) {
            return String.format(Locale.ROOT, "not run: its key/value cache needs %.1f GB, the heap has %.1f GB left (-Xmx)",
                    kv / 1e9, room / 1e9);
        }
        return null;
    }

    /**
     * Runs a prompt of {@code tokens} and decode steps for about two seconds (at most 256), so that the JIT has
     * compiled the decode path before the first timed point (small shapes decode in a millisecond a token).
     */
    private static void warmUp(SpikingBrainModel model, int tokens) {
        try (Session s = model.newSession()) {
            s.prefill(ids(tokens, model.config().vocabSize(), 1));
            long end = System.nanoTime() + 2_000_000_000L;
            long steps = Math.min(256, s.contextLimit() - tokens); // a Qwen2 limit may be near the sweep's longest prompt
            for (int i = 0; i < steps && (i < 2 || System.nanoTime() < end); i++) {
                s.decode(i % model.config().vocabSize());
            }
        }
    }

    private SweepPoint measure(String name, SpikingBrainModel model, long n) {
        int vocab = model.config().vocabSize();
        int[] prompt = ids((int) n, vocab, 42);
        try (Session s = model.newSession()) {
            long t0 = System.nanoTime();
            float[] logits = null;
            for (int from = 0; from < prompt.length; from += PIECE) {
                logits = s.prefill(java.util.Arrays.copyOfRange(prompt, from, Math.min(prompt.length, from + PIECE)));
                double elapsed = (System.nanoTime() - t0) / 1e9;
                if (elapsed > capSeconds && from + PIECE < prompt.length) {
                    String why = String.format(Locale.ROOT, "stopped after %.0f s at %d of %d prompt tokens (time cap %.0f s)",
                            elapsed, from + PIECE, n, capSeconds);
                    log.printf("  %s %s: %s%n", name, SweepPlot.contextLabel(n), why);
                    return SweepPoint.skipped(name, n, why, false);
                }
            }
            double ttft = (System.nanoTime() - t0) / 1e9;
            return decodeAfter(name, s, Sampler.argmax(logits, logits.length), n, ttft);
        }
    }

    /**
     * The point {@code measure} gives, or a skipped one when the heap ran out during it (the estimate of
     * {@link #kvRoom} cannot see how the collector divides the heap): the session is garbage by then, so the sweep
     * goes on with the next point.
     */
    private SweepPoint outOfHeapSkips(String name, long n, boolean fromState,
                                      java.util.function.Supplier<SweepPoint> measure) {
        try {
            return measure.get();
        } catch (OutOfMemoryError e) {
            String why = "not run: the heap ran out (" + e.getMessage() + "; -Xmx)";
            log.printf("  %s %s: %s%n", name, SweepPlot.contextLabel(n), why);
            return SweepPoint.skipped(name, n, why, fromState);
        }
    }

    /** Decode timed from a session put at depth {@code n} with an arbitrary state: no prompt, no TTFT. */
    private SweepPoint measureAtDepth(String name, SpikingBrainModel model, long n) {
        try (Session s = model.newSessionAtDepth(n)) {
            return decodeAfter(name, s, 0, n, Double.NaN);
        }
    }

    /** The decode rate from where {@code s} stands, and the heap and resident memory then: context {@code n}'s point. */
    private SweepPoint decodeAfter(String name, Session s, int next, long n, double ttft) {
        int[] token = {untimed(s, next)};
        long[] stepNanos = new long[decodeTokens];
        for (int i = 0; i < decodeTokens; i++) {
            stepNanos[i] = timedStep(s, token);
        }
        return point(name, n, ttft, 1e9 / median(stepNanos));
    }

    /**
     * The untimed steps, returning the next token: a Qwen2 cache that the prompt filled exactly (the sweep's lengths
     * are powers of two) doubles at the first step, and that one-time copy and its garbage collection are not the rate.
     */
    private static int untimed(Session s, int next) {
        for (int i = 0; i < UNTIMED_DECODE_STEPS; i++) {
            float[] l = s.decode(next);
            next = Sampler.argmax(l, l.length);
        }
        return next;
    }

    /** One greedy decode step of {@code token[0]}, which becomes the step's output token; returns its nanoseconds. */
    private static long timedStep(Session s, int[] token) {
        long t1 = System.nanoTime();
        float[] l = s.decode(token[0]);
        token[0] = Sampler.argmax(l, l.length);
        return System.nanoTime() - t1;
    }

    /** Context {@code n}'s point at decode rate {@code decode}, with the heap and resident memory now. */
    private SweepPoint point(String name, long n, double ttft, double decode) {
        return point(name, n, ttft, decode, memoryNow());
    }

    /** The heap in use after a full collection and the resident set, in bytes. */
    private static long[] memoryNow() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return new long[] {rt.totalMemory() - rt.freeMemory(), ProcessMemory.now().residentBytes()};
    }

    /** Context {@code n}'s point at decode rate {@code decode}, with {@code memory} = {heap, resident} bytes. */
    private SweepPoint point(String name, long n, double ttft, double decode, long[] memory) {
        long heap = memory[0];
        long rss = memory[1];
        boolean fromState = Double.isNaN(ttft);
        String first = fromState ? "from a state at that depth" : String.format(Locale.ROOT, "TTFT %8.2f s (%7.1f tok/s)",
                ttft, n / ttft);
        log.printf(Locale.ROOT, "  %-12s %6s: %s, decode %6.2f tok/s, heap %6.0f MB, RSS %6.0f MB%n",
                name, SweepPlot.contextLabel(n), first, decode, heap / 1e6, rss / 1e6);
        return new SweepPoint(name, n, ttft, decode, heap, rss, null, fromState);
    }

    /** The median of the step times: a step slowed by another process on the machine moves it little. */
    static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private void save(String title) throws IOException {
        SweepReport.writeCsv(out.resolve("sweep.csv"), points);
        Files.writeString(out.resolve("sweep.md"), "# " + title + "\n\n" + SweepReport.markdown(SPIKINGBRAIN, QWEN2, points));
        SweepPlot.write(out.resolve("sweep.png"), title, List.of(SPIKINGBRAIN, QWEN2), points);
    }

    /** Deterministic token ids, the same for both models. */
    static int[] ids(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    /** "1k" = 1024, "1M" = 1048576, or a plain number of tokens. */
    static List<Long> parseContexts(List<String> values, String option) {
        List<Long> out = new ArrayList<>();
        for (String v : values) {
            String t = v.trim();
            if (t.isEmpty()) {
                continue;
            }
            long unit = 1;
            char last = Character.toLowerCase(t.charAt(t.length() - 1));
            if (last == 'k' || last == 'm') {
                unit = last == 'k' ? 1024 : 1024 * 1024;
                t = t.substring(0, t.length() - 1);
            }
            try {
                long n = Math.multiplyExact(Long.parseLong(t), unit);
                if (n < 1 || n > Integer.MAX_VALUE) {
                    throw new NumberFormatException();
                }
                out.add(n);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException(option + ": \"" + v + "\" is not a context length (1024, 4k, 1M)");
            }
        }
        out.sort(null);
        return out;
    }
}
