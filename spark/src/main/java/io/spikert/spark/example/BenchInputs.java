package io.spikert.spark.example;

import io.spikert.model.synthetic.SyntheticCheckpoint;
import io.spikert.runtime.DType;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The inputs of scripts/spark/local-cluster.sh: a synthetic checkpoint at a small shape (BF16, vocabulary 4096, no
 * tokenizer) and a JSONL file of {@code rows} rows of 16 to 63 token ids ({@code {"id": 0, "ids": [...]}}), the same
 * every time. Token ids rather than text, so that a row's cost is the model's and not a 152k-entry log-softmax per
 * token (which a tokenizer's vocabulary would bring at this small width).
 *
 * <pre>BenchInputs MODEL_DIR ROWS.jsonl ROWS [HIDDEN]</pre>
 */
public final class BenchInputs {
    /** The vocabulary of the synthetic model, and so the range of the ids. */
    public static final int VOCAB = 4096;

    private BenchInputs() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3 || args.length > 4) {
            System.err.println("usage: BenchInputs MODEL_DIR ROWS.jsonl ROWS [HIDDEN]");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int rows = Integer.parseInt(args[2]);
        int hidden = args.length > 3 ? Integer.parseInt(args[3]) : 256;
        if (!Files.exists(model.resolve("model.safetensors"))) {
            SyntheticCheckpoint.write(model, new SyntheticCheckpoint.Dims(VOCAB, hidden, 4, 4, 2, hidden * 3, 64), DType.BF16, 7,
                    x -> { }, false);
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(2026);
        try (BufferedWriter w = Files.newBufferedWriter(out)) {
            for (int i = 0; i < rows; i++) {
                StringBuilder sb = new StringBuilder("{\"id\":").append(i).append(",\"ids\":[");
                int n = 16 + random.nextInt(48);
                for (int k = 0; k < n; k++) {
                    sb.append(k == 0 ? "" : ",").append(random.nextInt(VOCAB));
                }
                w.write(sb.append("]}\n").toString());
            }
        }
    }
}
