package io.spikert.bench.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the GPU benchmark found: printed line by line as it goes (the progress a remote run shows),
 * kept as text, and gathered as a JSON tree with one object per section.
 */
final class GpuBenchReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final PrintStream out;
    private final StringBuilder text = new StringBuilder();
    private final ObjectNode root = JSON.createObjectNode();
    private Path saveTo;

    GpuBenchReport(PrintStream out) {
        this.out = out;
        root.put("benchmark", "io.spikert.bench.gpu.GpuBench");
    }

    void line(String format, Object... args) {
        String s = args.length == 0 ? format : String.format(format, args);
        out.println(s);
        out.flush();
        text.append(s).append('\n');
        if (saveTo != null) {
            try {
                write(saveTo);
            } catch (IOException e) {
                out.println("gpu-bench: warning: cannot save the report so far to " + saveTo + ": " + e);
                saveTo = null; // once is enough; the final write still reports its own failure
            }
        }
    }

    /**
     * From now on, rewrites both files into {@code dir} after every line, so a run stopped from outside
     * (the device call's time limit, a hung kernel) still leaves every section finished before it.
     */
    void saveAsItGoes(Path dir) {
        this.saveTo = dir;
    }

    /** The JSON object of section {@code name}, created on first use. */
    ObjectNode section(String name) {
        return root.has(name) ? (ObjectNode) root.get(name) : root.putObject(name);
    }

    /** Writes {@code gpu-bench.txt} and {@code gpu-bench.json} into {@code dir} (created if needed). */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("gpu-bench.txt"), text, StandardCharsets.UTF_8);
        JSON.writeValue(dir.resolve("gpu-bench.json").toFile(), root);
    }
}
