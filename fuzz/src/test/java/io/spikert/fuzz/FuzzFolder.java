package io.spikert.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One target's working copy of a seed folder, made once per JVM in a fresh temporary folder and reused by
 * every input: each input rewrites one file of it, then the folder is loaded and the outcome judged
 * ({@link Oracle}), counted ({@link OutcomeLog}) and, when it is a finding, thrown for Jazzer to record.
 * The temporary folder is removed when the JVM exits.
 */
final class FuzzFolder {
    /** System property {@code spikert.fuzz.maxAllocatedMiB}: heap one input may allocate before it is a finding. */
    static final long MAX_ALLOCATED_MIB = Long.getLong("spikert.fuzz.maxAllocatedMiB", 256);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private final Path dir;
    private final List<String> fileNames;
    private final OutcomeLog log;

    private FuzzFolder(Path dir, String target) {
        this.dir = dir;
        this.log = new OutcomeLog(target);
        try (Stream<Path> files = Files.list(dir)) {
            this.fileNames = new ArrayList<>(files.map(p -> p.getFileName().toString()).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A working copy of the committed seed folder {@code seeds/<seed>} (test resources). */
    static FuzzFolder ofSeed(String seed, String target) {
        return of(seedPath(seed), target);
    }

    /** A working copy of {@code source}, for targets that build their seed folder at start. */
    static FuzzFolder of(Path source, String target) {
        try {
            Path root = Files.createTempDirectory("spikert-fuzz-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
            Path dir = root.resolve("model");
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(source)) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
            return new FuzzFolder(dir, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the working folder of " + target, e);
        }
    }

    static Path seedPath(String seed) {
        URL url = FuzzFolder.class.getResource("/seeds/" + seed);
        if (url == null) {
            throw new IllegalStateException("missing test resource seeds/" + seed + " (run fuzz/src/test/python/make_fuzz_seeds.py)");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    Path dir() {
        return dir;
    }

    /** Writes {@code content} as {@code file} of the folder, loads the model and judges; throws on a finding. */
    Verdict model(String file, byte[] content, byte[] input) {
        write(file, content);
        return judge(input, () -> ModelProbe.run(dir));
    }

    /** As {@link #model}, loading the tokenizer of the folder instead. */
    Verdict tokenizer(String file, byte[] content, byte[] input) {
        write(file, content);
        return judge(input, () -> TokenizerProbe.run(dir));
    }

    /**
     * Writes several files of the folder at once (a null content removes that file), then loads the tokenizer and
     * judges; throws on a finding.
     */
    Verdict tokenizer(java.util.Map<String, byte[]> files, byte[] input) {
        try {
            for (var f : files.entrySet()) {
                if (f.getValue() == null) {
                    Files.deleteIfExists(dir.resolve(f.getKey()));
                } else {
                    Files.write(dir.resolve(f.getKey()), f.getValue());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fuzz input into " + dir, e);
        }
        return judge(input, () -> TokenizerProbe.run(dir));
    }

    /**
     * Judges a probe of the folder as it is now. Besides the {@link Oracle}'s rules, an input whose probe allocated
     * more than {@link #MAX_ALLOCATED_MIB} MiB of heap (all allocations of the probe's thread together; the micro
     * seeds need a few MiB) twice in a row is a finding: memory sized by an untrusted number that the heap limit
     * did not stop.
     */
    Verdict judge(byte[] input, Oracle.Probe probe) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Verdict v = Oracle.judge(dir, fileNames, probe);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (!v.isFinding() && allocated > MAX_ALLOCATED_MIB << 20) {
            // Once more: the first use of a class (loading, Jazzer's instrumentation) allocates on this thread too.
            before = THREADS.getCurrentThreadAllocatedBytes();
            v = Oracle.judge(dir, fileNames, probe);
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        if (!v.isFinding() && allocated > MAX_ALLOCATED_MIB << 20) {
            String label = "oversized allocation (over " + MAX_ALLOCATED_MIB + " MiB), then " + v.label();
            v = new Verdict(Verdict.Kind.FINDING, label,
                    new FindingError(label + ": " + (allocated >> 20) + " MiB for a " + input.length + "-byte input", v.error()));
        }
        log.record(v, input);
        if (v.isFinding()) {
            throw asFinding(v);
        }
        return v;
    }

    /** The finding as Jazzer should see it: the escaped exception itself, so that its stack is the dedup key. */
    private static RuntimeException asFinding(Verdict v) {
        Throwable t = v.error();
        if (t instanceof NonFiniteLogits || t instanceof FindingError) {
            throw (AssertionError) t;
        }
        if (v.label().startsWith("unnamed file") || v.label().startsWith("wrapped")) {
            throw new FindingError(v.label(), t);
        }
        throw Sneaky.<RuntimeException>sneak(t);
    }

    private void write(String file, byte[] content) {
        try {
            Files.write(dir.resolve(file), content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fuzz input into " + dir, e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort at JVM exit; the folder is under the system temp folder
        }
    }

    private static final class Sneaky {
        @SuppressWarnings("unchecked")
        static <T extends Throwable> T sneak(Throwable t) throws T {
            throw (T) t;
        }
    }
}
