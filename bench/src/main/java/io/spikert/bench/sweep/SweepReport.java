package io.spikert.bench.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/** The sweep's points as CSV (one row per model and context) and as a Markdown table of the two models side by side. */
final class SweepReport {
    private SweepReport() {}

    static void writeCsv(Path file, List<SweepPoint> points) throws IOException {
        StringBuilder b = new StringBuilder("model,context,ttft_s,decode_tokens_per_s,heap_bytes,resident_bytes,skipped\n");
        for (SweepPoint p : points) {
            b.append(String.format(Locale.ROOT, "%s,%d,%.4f,%.4f,%d,%d,%s%n", p.model(), p.context(), p.ttftSeconds(),
                    p.decodeTokensPerSecond(), p.heapBytes(), p.residentBytes(),
                    p.skipped() == null ? "" : '"' + p.skipped().replace("\"", "'") + '"'));
        }
        Files.writeString(file, b);
    }

    /** The points of a CSV {@link #writeCsv} wrote. */
    static List<SweepPoint> readCsv(Path file) throws IOException {
        List<SweepPoint> out = new java.util.ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", 7);
            if (f.length != 7) {
                throw new IOException(file + ": line " + (i + 1) + " is not a sweep point: " + lines.get(i));
            }
            String skipped = f[6].isEmpty() ? null : f[6].replaceAll("^\"|\"$", "");
            try {
                out.add(new SweepPoint(f[0], Long.parseLong(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
                        Long.parseLong(f[4]), Long.parseLong(f[5]), skipped));
            } catch (NumberFormatException e) {
                throw new IOException(file + ": line " + (i + 1) + " is not a sweep point: " + lines.get(i), e);
            }
        }
        return out;
    }

    /**
     * One row per context: each model's TTFT, decode rate and heap, then how many times slower Qwen2's TTFT is and
     * how many times faster SpikingBrain decodes (the report's two ratios).
     */
    static String markdown(String first, String second, List<SweepPoint> points) {
        StringBuilder b = new StringBuilder();
        b.append("| context | ").append(first).append(" TTFT | ").append(second).append(" TTFT | TTFT ratio | ")
                .append(first).append(" decode | ").append(second).append(" decode | decode speedup | ")
                .append(first).append(" heap | ").append(second).append(" heap |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        var contexts = new TreeSet<Long>();
        points.forEach(p -> contexts.add(p.context()));
        for (long n : contexts) {
            Optional<SweepPoint> a = find(points, first, n);
            Optional<SweepPoint> q = find(points, second, n);
            b.append("| ").append(SweepPlot.contextLabel(n)).append(" | ")
                    .append(cell(a, SweepPoint::ttftSeconds, "%.2f s")).append(" | ")
                    .append(cell(q, SweepPoint::ttftSeconds, "%.2f s")).append(" | ")
                    .append(ratio(q, a, SweepPoint::ttftSeconds)).append(" | ")
                    .append(cell(a, SweepPoint::decodeTokensPerSecond, "%.2f tok/s")).append(" | ")
                    .append(cell(q, SweepPoint::decodeTokensPerSecond, "%.2f tok/s")).append(" | ")
                    .append(ratio(a, q, SweepPoint::decodeTokensPerSecond)).append(" | ")
                    .append(heap(a)).append(" | ").append(heap(q)).append(" |\n");
        }
        for (SweepPoint p : points) {
            if (!p.ran()) {
                b.append("\n- ").append(p.model()).append(" at ").append(SweepPlot.contextLabel(p.context())).append(": ")
                        .append(p.skipped());
            }
        }
        return b.append('\n').toString();
    }

    private static Optional<SweepPoint> find(List<SweepPoint> points, String model, long n) {
        return points.stream().filter(p -> p.model().equals(model) && p.context() == n).findFirst();
    }

    private static String cell(Optional<SweepPoint> p, java.util.function.ToDoubleFunction<SweepPoint> f, String format) {
        if (p.isEmpty()) {
            return "";
        }
        return p.get().ran() ? String.format(Locale.ROOT, format, f.applyAsDouble(p.get())) : "not run";
    }

    /** top / bottom when both ran, as "12.3x". */
    private static String ratio(Optional<SweepPoint> top, Optional<SweepPoint> bottom, java.util.function.ToDoubleFunction<SweepPoint> f) {
        if (top.isEmpty() || bottom.isEmpty() || !top.get().ran() || !bottom.get().ran()) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2fx", f.applyAsDouble(top.get()) / f.applyAsDouble(bottom.get()));
    }

    private static String heap(Optional<SweepPoint> p) {
        return p.isPresent() && p.get().ran() ? String.format(Locale.ROOT, "%.0f MB", p.get().heapBytes() / 1e6) : "";
    }
}
