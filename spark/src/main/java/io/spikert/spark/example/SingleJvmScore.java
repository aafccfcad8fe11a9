package io.spikert.spark.example;

import io.spikert.model.SpikingBrainModel;
import io.spikert.model.tokenizer.Tokenizer;
import io.spikert.runtime.backend.CpuBackend;
import io.spikert.spark.rows.RowTokens;
import io.spikert.spark.rows.ScoreResult;
import io.spikert.spark.rows.Scoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The single-JVM baseline of scripts/spark/local-cluster.sh: the rows of a JSONL file (a {@code text} string or an
 * {@code ids} array per line) scored one after another on one model, as each Spark task scores its rows, without
 * Spark. Prints the rows, the errors and rows per second of the loop (the load not counted).
 *
 * <pre>SingleJvmScore MODEL_DIR ROWS.jsonl [THREADS]</pre>
 */
public final class SingleJvmScore {
    private SingleJvmScore() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: SingleJvmScore MODEL_DIR ROWS.jsonl [THREADS]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        var json = JsonMapper.builder().build();
        List<Object> inputs = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            if (!line.isBlank()) {
                JsonNode n = json.readTree(line);
                if (n.path("ids").isArray()) {
                    List<Long> ids = new ArrayList<>();
                    n.path("ids").forEach(x -> ids.add(x.asLong()));
                    inputs.add(ids);
                } else {
                    inputs.add(n.path("text").isTextual() ? n.path("text").asText() : null);
                }
            }
        }
        try (var backend = new CpuBackend(threads); var model = SpikingBrainModel.load(dir, backend)) {
            Tokenizer tokenizer = Tokenizer.isPresent(dir) ? Tokenizer.load(dir) : null;
            int vocab = model.config().vocabSize();
            long errors = 0;
            long t0 = System.nanoTime();
            for (Object input : inputs) {
                ScoreResult r = Scoring.score(model, RowTokens.of(input, tokenizer, vocab, model.config().contextLimit()));
                errors += r.error() == null ? 0 : 1;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "rows: %d, errors: %d, seconds: %.2f, rows/s: %.1f%n", inputs.size(), errors, seconds,
                    inputs.size() / seconds);
        }
    }
}
