package io.spikert.spark.example;

import io.spikert.spark.GenerateOptions;
import io.spikert.spark.ScoreOptions;
import io.spikert.spark.SpikeRT;
import io.spikert.spark.executor.ModelSpec;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.Locale;
import java.util.Set;

/**
 * The example job: scores (or generates for) a JSONL or Parquet file of texts with a SpikeRT model on every executor
 * and writes the rows with the added columns as Parquet. Run it with spark-submit (docs/SPARK.md):
 *
 * <pre>
 * ScoreFileJob --model DIR --input texts.jsonl --output scores.parquet
 *              [--column text] [--task score|generate] [--partitions N] [--max-tokens N]
 *              [--max-new-tokens N] [--batch-size N] [--compute-threads N]
 * </pre>
 *
 * {@code --input} ending in {@code .parquet} (or a folder of Parquet files) is read as Parquet, anything else as JSON
 * lines. The output must not exist (the job never replaces files). Prints the rows, the rows with an error, the
 * seconds of the Spark job and its rows per second.
 */
public final class ScoreFileJob {
    private static final Set<String> FLAGS = Set.of("--model", "--input", "--output", "--column", "--task", "--partitions",
            "--max-tokens", "--max-new-tokens", "--batch-size", "--compute-threads");

    private ScoreFileJob() {}

    /** What a run did: rows written, rows with an error, and the seconds the Spark job took. */
    public record Summary(long rows, long errors, double seconds) {
        public double rowsPerSecond() {
            return rows / seconds;
        }
    }

    public static void main(String[] args) {
        Summary s;
        SparkSession spark = SparkSession.builder().appName("spikert-score-file").getOrCreate();
        try {
            s = run(spark, args);
        } catch (IllegalArgumentException e) {
            System.err.println("ScoreFileJob: " + e.getMessage());
            spark.stop();
            System.exit(2);
            return;
        }
        System.out.printf(Locale.ROOT, "rows: %d, errors: %d, seconds: %.2f, rows/s: %.1f%n", s.rows(), s.errors(), s.seconds(),
                s.rowsPerSecond());
        spark.stop();
    }

    /** Runs the job on {@code spark} (tests pass their local session). */
    public static Summary run(SparkSession spark, String[] args) {
        var a = new JobArguments(args, FLAGS);
        String model = a.required("--model");
        String input = a.required("--input");
        String output = a.required("--output");
        String column = a.get("--column", "text");
        String task = a.get("--task", "score");
        int partitions = a.intValue("--partitions", 0, 1);
        ModelSpec spec = ModelSpec.of(model).withComputeThreads(a.intValue("--compute-threads", 0, 1));

        Dataset<Row> in = input.endsWith(".parquet") || isParquetFolder(input)
                ? spark.read().parquet(input) : spark.read().json(input);
        if (partitions > 0) {
            in = in.repartition(partitions);
        }
        Dataset<Row> out = switch (task) {
            case "score" -> SpikeRT.score(in, column, ScoreOptions.of(model).withModel(spec)
                    .withMaxTokens(a.intValue("--max-tokens", Integer.MAX_VALUE, 2)));
            case "generate" -> SpikeRT.generate(in, column, GenerateOptions.of(model).withModel(spec)
                    .withMaxNewTokens(a.intValue("--max-new-tokens", 128, 0))
                    .withBatchSize(a.intValue("--batch-size", 8, 1))
                    .withMaxPromptTokens(a.intValue("--max-tokens", Integer.MAX_VALUE, 1)));
            default -> throw new IllegalArgumentException("--task must be score or generate, got '" + task + "'");
        };
        long t0 = System.nanoTime();
        out.write().parquet(output); // SaveMode.ErrorIfExists: an existing output is refused, never replaced
        double seconds = (System.nanoTime() - t0) / 1e9;
        Dataset<Row> written = spark.read().parquet(output);
        return new Summary(written.count(), written.where("error IS NOT NULL").count(), seconds);
    }

    private static boolean isParquetFolder(String path) {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of(path))) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".parquet"));
        } catch (java.io.IOException | RuntimeException e) {
            return false; // not a local folder (an hdfs:// or s3a:// path, or a file): read as JSON lines
        }
    }
}
