package io.spikert.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts the outcomes of one target's inputs by class and keeps the first input of every distinct finding, so
 * a run reports more than Jazzer's first crash: {@code <findings>/<target>/summary-<mode>.txt} (rewritten as
 * the run goes and when the JVM exits) and {@code <findings>/<target>/<finding label>.input}, the raw input
 * to copy into the target's Inputs folder as a reproducer.
 */
final class OutcomeLog {
    private static final int SUMMARY_EVERY = 500;

    private final String target;
    private final Path dir;
    private final String mode;
    private final Map<String, Long> counts = new TreeMap<>();
    private final Map<String, String> firstInputs = new LinkedHashMap<>();
    private long inputs;

    OutcomeLog(String target) {
        this.target = target;
        this.dir = Path.of(System.getProperty("spikert.fuzz.findings", "target/fuzz-findings")).resolve(target);
        String fuzz = System.getenv("JAZZER_FUZZ");
        this.mode = fuzz == null || fuzz.isEmpty() ? "regression" : "fuzz";
        Runtime.getRuntime().addShutdownHook(new Thread(this::writeSummary));
    }

    synchronized void record(Verdict v, byte[] input) {
        inputs++;
        String key = switch (v.kind()) {
            case LOADED -> "loaded";
            case REJECTED -> "rejected cleanly";
            case FINDING -> "FINDING " + v.label();
        };
        boolean first = !counts.containsKey(key);
        counts.merge(key, 1L, Long::sum);
        if (v.isFinding() && first) {
            String file = slug(v.label()) + ".input";
            firstInputs.put(key, file);
            try {
                Files.createDirectories(dir);
                Files.write(dir.resolve(file), input);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot keep a finding's input in " + dir, e);
            }
        }
        if (first || inputs % SUMMARY_EVERY == 0) {
            writeSummary();
        }
    }

    synchronized void writeSummary() {
        StringBuilder s = new StringBuilder();
        s.append("target ").append(target).append(" (").append(mode).append(" mode)\n");
        s.append("inputs ").append(inputs).append('\n');
        counts.forEach((k, n) -> {
            s.append(n).append('\t').append(k);
            String file = firstInputs.get(k);
            if (file != null) {
                s.append("\tfirst input: ").append(file);
            }
            s.append('\n');
        });
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("summary-" + mode + ".txt"), s, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("spikert fuzz: cannot write the summary of " + target + ": " + e);
        }
    }

    static String slug(String label) {
        String s = label.replaceAll("[^A-Za-z0-9._-]+", "_");
        return s.length() > 120 ? s.substring(0, 120) : s;
    }
}
