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

    /** decode_after: a prompt of the context's length, or a state put at that depth. */
    private static final String PROMPT = "prompt";
    private static final String STATE = "state";

    static void writeCsv(Path file, List<SweepPoint> points) throws IOException {
        StringBuilder b = new StringBuilder(
                "model,context,decode_after,ttft_s,decode_tokens_per_s,heap_bytes,resident_bytes,skipped\n");
        for (SweepPoint p : points) {
            b.append(String.format(Locale.ROOT, "%s,%d,%s,%.4f,%.4f,%d,%d,%s%n", p.model(), p.context(),
                    p.fromState() ? STATE : PROMPT, p.ttftSeconds(), p.decodeTokensPerSecond(), p.heapBytes(),
                    p.residentBytes(), p.skipped() == null ? "" : '"' + p.skipped().replace("\"", "'") + '"'));
        }
        Files.writeString(file, b);
    }

    /** The points of a CSV {@link #writeCsv} wrote (or an earlier sweep's, without decode_after: all after a prompt). */
    static List<SweepPoint> readCsv(Path file) throws IOException {
        List<SweepPoint> out = new java.util.ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        boolean old = !lines.isEmpty() && !lines.get(0).contains(",decode_after,");
        for (int i = 1; i < lines.size(); i++) {
            String line = old ? lines.get(i).replaceFirst("^([^,]*,[^,]*),", "$1," + PROMPT + ",") : lines.get(i);
            String[] f = line.split(",", 8);
            if (f.length != 8 || !(f[2].equals(PROMPT) || f[2].equals(STATE))) {
                throw new IOException(file + ": line " + (i + 1) + " is not a sweep point: " + lines.get(i));
            }
            String skipped = f[7].isEmpty() ? null : f[7].replaceAll("^\"|\"$", "");
            try {
                out.add(new SweepPoint(f[0], Long.parseLong(f[1]), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                        Long.parseLong(f[5]), Long.parseLong(f[6]), skipped, f[2].equals(STATE)));
            } catch (NumberFormatException e) {
                throw new IOException(file + ": line " + (i + 1) + " is not a sweep point: " + lines.get(i), e);
            }
        }
        return out;
    }

    /**
     * One row per context: each model's TTFT, decode rate and heap, then how many times slower Qwen2's TTFT is and
     * how many times faster SpikingBrain decodes (the report's two ratios). Contexts measured from a state put at that
     * depth get rows of their own, marked "(state)", with no TTFT.
     */
    static String markdown(String first, String second, List<SweepPoint> points) {
        StringBuilder b = new StringBuilder();
        b.append("| context | ").append(first).append(" TTFT | ").append(second).append(" TTFT | TTFT ratio | ")
                .append(first).append(" decode | ").append(second).append(" decode | decode speedup | ")
                .append(first).append(" heap | ").append(second).append(" heap |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        var rows = new TreeSet<Long>();
        points.forEach(p -> rows.add(2 * p.context() + (p.fromState() ? 1 : 0)));
        boolean anyState = false;
        for (long row : rows) {
            long n = row / 2;
            boolean state = row % 2 == 1;
            anyState |= state;
            Optional<SweepPoint> a = find(points, first, n, state);
            Optional<SweepPoint> q = find(points, second, n, state);
            b.append("| ").append(SweepPlot.contextLabel(n)).append(state ? " (state)" : "").append(" | ")
                    .append(state ? "" : cell(a, SweepPoint::ttftSeconds, "%.2f s")).append(" | ")
                    .append(state ? "" : cell(q, SweepPoint::ttftSeconds, "%.2f s")).append(" | ")
                    .append(state ? "" : ratio(q, a, SweepPoint::ttftSeconds)).append(" | ")
                    .append(cell(a, SweepPoint::decodeTokensPerSecond, "%.2f tok/s")).append(" | ")
                    .append(cell(q, SweepPoint::decodeTokensPerSecond, "%.2f tok/s")).append(" | ")
                    .append(ratio(a, q, SweepPoint::decodeTokensPerSecond)).append(" | ")
                    .append(heap(a)).append(" | ").append(heap(q)).append(" |\n");
        }
        if (anyState) {
            b.append("\n(state): decode timed from a session put at that depth with an arbitrary state of the right size"
                    + " (SpikingBrainModel.newSessionAtDepth) instead of after a prompt that long: the same work per token,"
                    + " no TTFT.\n");
        }
        for (SweepPoint p : points) {
            if (!p.ran()) {
                b.append("\n- ").append(p.model()).append(" at ").append(SweepPlot.contextLabel(p.context()))
                        .append(p.fromState() ? " (state)" : "").append(": ").append(p.skipped());
            }
        }
        return b.append('\n').toString();
    }

    private static Optional<SweepPoint> find(List<SweepPoint> points, String model, long n, boolean state) {
        return points.stream().filter(p -> p.model().equals(model) && p.context() == n && p.fromState() == state)
                .findFirst();
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
